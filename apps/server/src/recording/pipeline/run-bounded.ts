import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';

export interface BoundedRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  /** The last 4 kB of stderr. */
  stderr: string;
  timedOut: boolean;
  spawnError: string | null;
}

const STDERR_TAIL = 4000;

/**
 * Runs a command to its end, killing it (SIGKILL) after `timeoutMs`; never rejects. `input` is piped to its stdin
 * (and destroyed if the command stops reading it).
 */
export function runBounded(
  command: string,
  args: string[],
  timeoutMs: number,
  input?: Readable,
): Promise<BoundedRun> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    if (input && child.stdin) {
      const stdin = child.stdin;
      stdin.on('error', () => input.destroy());
      input.on('error', () => stdin.destroy());
      input.pipe(stdin);
    }
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let spawnError: string | null = null;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_TAIL);
    });
    child.once('error', (err) => {
      spawnError = err.message;
    });
    // 'close' follows 'exit' once the pipes are drained, and also follows a spawn 'error'.
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      input?.destroy();
      resolve({ code, signal, stdout, stderr: stderr.trim(), timedOut, spawnError });
    });
  });
}
