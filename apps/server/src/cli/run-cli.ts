// How the command-line tools end: the exit code `main` returns, or 1 with a one-line message for what an operator
// can fix (configuration, a database another process holds) and the stack for anything else.
import { ConfigError } from '../config/index.ts';
import { DatabaseLockedError } from '../db/index.ts';

export function runCli(main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      if (err instanceof ConfigError || err instanceof DatabaseLockedError)
        process.stderr.write(`${err.message}\n`);
      else process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
      process.exit(1);
    },
  );
}
