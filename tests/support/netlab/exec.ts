// Runs the lab's system commands (ip, nft, tc, sysctl, openssl, certutil) and turns a failure into an error that
// names the command and its stderr, so a lab that cannot be built says exactly why.
import { execFile } from 'node:child_process';

export interface RunResult {
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: readonly string[], input?: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? `${cmd} is not installed` : stderr;
        reject(new Error(`netlab: ${cmd} ${args.join(' ')} failed: ${why || err.message}`));
      } else resolve({ stdout, stderr });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** Runs `cmd` inside the named network namespace. */
export function inNetns(ns: string, cmd: string, args: readonly string[], input?: string) {
  return run('ip', ['netns', 'exec', ns, cmd, ...args], input);
}

/** Like run(), but a failure resolves to false (teardown: the thing may already be gone). */
export async function tryRun(cmd: string, args: readonly string[]): Promise<boolean> {
  try {
    await run(cmd, args);
    return true;
  } catch {
    return false;
  }
}
