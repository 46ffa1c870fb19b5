import { type ChildProcess, spawn } from 'node:child_process';
import { Readable, type Writable } from 'node:stream';
import { progressReader } from './progress.ts';

export interface FfmpegExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all (e.g. ENOENT). */
  spawnError: string | null;
}

/** After SIGKILL, how long we wait for the exit to be reported before giving up on it. */
const KILL_WAIT_MS = 2000;
const STDERR_TAIL = 2000;
/** FFmpeg's `-progress` goes to this fd (`-progress pipe:3`): stdout carries media, never plaintext on disk. */
export const PROGRESS_FD = 3;
/** The first fd of the input pipes (`-i pipe:4`, `pipe:5`, …). */
export const FIRST_INPUT_FD = 4;

export interface FfmpegIo {
  /** Called per `-progress` block read from fd 3. */
  onProgress?: (block: Record<string, string>) => void;
  /** How many input pipes to open, fds 4, 5, … (`inputs`). */
  inputPipes?: number;
}

/**
 * One FFmpeg child. It never throws and never leaves a zombie: the exit is always awaited (Node reaps the child
 * when it reports the exit), and `stop` escalates from SIGINT (FFmpeg finishes its file) to SIGKILL.
 */
export class FfmpegProcess {
  readonly exited: Promise<FfmpegExit>;
  private readonly child: ChildProcess;
  private stderr = '';
  private exit: FfmpegExit | null = null;

  /** FFmpeg's stdout (`pipe:1`): the media it writes, consumed by the caller (sealed as it comes). */
  readonly output: Readable;
  /** Writable ends of the input pipes, fds 4, 5, … */
  readonly inputs: Writable[];

  constructor(path: string, args: string[], io: FfmpegIo = {}) {
    const inputPipes = io.inputPipes ?? 0;
    this.child = spawn(path, args, {
      stdio: ['ignore', 'pipe', 'pipe', 'pipe', ...Array.from({ length: inputPipes }, () => 'pipe' as const)],
    });
    this.output = this.child.stdout ?? Readable.from([]);
    this.inputs = this.child.stdio.slice(FIRST_INPUT_FD) as Writable[];
    // FFmpeg closing an input early (it failed, or was stopped) must not crash the writer: the exit says why.
    for (const input of this.inputs) input?.on('error', () => {});
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exit = { code, signal, spawnError: null };
        resolve(this.exit);
      });
      this.child.once('error', (err) => {
        // 'error' without 'exit' means it never ran; after a run, exit has been recorded already.
        if (this.child.pid === undefined || this.exit === null) {
          this.exit ??= { code: null, signal: null, spawnError: err.message };
          resolve(this.exit);
        }
      });
    });
    const read = io.onProgress ? progressReader(io.onProgress) : null;
    const progress = this.child.stdio[PROGRESS_FD] as Readable | null;
    progress?.setEncoding('utf8').on('data', (chunk: string) => read?.(chunk));
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-STDERR_TAIL);
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get hasExited(): boolean {
    return this.exit !== null;
  }

  /** The end of what FFmpeg wrote to stderr (its warnings and errors), for logs. */
  get stderrTail(): string {
    return this.stderr.trim();
  }

  /** Asks FFmpeg to finish (SIGINT: it writes its trailer); kills it after `graceMs`. */
  async stop(graceMs: number): Promise<{ exit: FfmpegExit | null; killed: boolean }> {
    if (this.exit) return { exit: this.exit, killed: false };
    this.child.kill('SIGINT');
    const ended = await within(this.exited, graceMs);
    if (ended) return { exit: ended, killed: false };
    this.child.kill('SIGKILL');
    return { exit: await within(this.exited, KILL_WAIT_MS), killed: true };
  }

  /** Runs to completion (bounded): resolves with the exit, or kills it after `timeoutMs`. */
  async finish(timeoutMs: number): Promise<{ exit: FfmpegExit | null; killed: boolean }> {
    const ended = await within(this.exited, timeoutMs);
    if (ended) return { exit: ended, killed: false };
    this.child.kill('SIGKILL');
    return { exit: await within(this.exited, KILL_WAIT_MS), killed: true };
  }
}

export const describeExit = (exit: FfmpegExit | null): string =>
  !exit
    ? 'did not exit'
    : exit.spawnError
      ? `could not start: ${exit.spawnError}`
      : exit.signal
        ? `killed by ${exit.signal}`
        : `exited with code ${exit.code}`;

/** `promise`'s value, or null once `ms` have passed; the timer never outlives the race. */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<null>((resolve) => (timer = setTimeout(resolve, ms, null))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
