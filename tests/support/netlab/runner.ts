// Runs a test file (or a bench's scenario file) inside a fresh, empty network namespace that becomes the lab's
// public side, and deletes every namespace the run created afterwards, whatever happened in it (crash, timeout,
// failed assertion). Each run gets its own id, so parallel runs never share a namespace name.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { LAB_ENV, removeLabNamespaces } from './lab.ts';

let runs = 0;

export interface LabRunResult {
  code: number | null;
  output: string;
  id: string;
}

export async function runInLab(
  file: string,
  options: {
    timeoutMs?: number;
    quiet?: boolean;
    env?: Record<string, string>;
    /** Node options before the file (default: run it as a test file with the spec reporter). */
    args?: string[];
    /** Arguments after the file. */
    fileArgs?: string[];
  } = {},
): Promise<LabRunResult> {
  const id = `nl${process.pid.toString(36)}${(runs++).toString(36)}`;
  try {
    return await new Promise<LabRunResult>((resolve, reject) => {
      const env: NodeJS.ProcessEnv = { ...process.env, ...options.env, [LAB_ENV]: id };
      // Without NODE_TEST_CONTEXT the child is a test run of its own, not a subtest of ours (which it would skip).
      delete env.NODE_TEST_CONTEXT;
      const child = spawn(
        'unshare',
        [
          '--net',
          '--',
          process.execPath,
          '--import',
          'tsx',
          ...(options.args ?? ['--test', '--test-reporter=spec']),
          file,
          ...(options.fileArgs ?? []),
        ],
        { env, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let output = '';
      const take = (d: Buffer) => {
        output += d.toString();
        if (!options.quiet) process.stderr.write(d);
      };
      child.stdout.on('data', take);
      child.stderr.on('data', take);
      const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 300_000);
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(new Error(`cannot run unshare (${err.message}); util-linux and iproute2 are needed`));
      });
      child.once('close', (code) => {
        clearTimeout(timer);
        resolve({ code, output, id });
      });
    });
  } finally {
    await removeLabNamespaces(id);
  }
}

/** The pass/fail counts of a spec reporter's summary. */
export function specSummary(output: string): { pass: number; fail: number } {
  const count = (name: string) => Number(new RegExp(`ℹ ${name} (\\d+)`).exec(output)?.[1] ?? Number.NaN);
  return { pass: count('pass'), fail: count('fail') };
}

/** The outer half of a lab test: runs `file` in a lab and fails unless it passed `minPasses` tests, none failed. */
export async function assertLabRunPasses(file: string, minPasses: number, timeoutMs?: number): Promise<void> {
  const { code, output } = await runInLab(file, timeoutMs ? { timeoutMs } : {});
  assert.equal(code, 0, `the lab run failed:\n${output.slice(-8000)}`);
  const summary = specSummary(output);
  assert.ok(
    summary.pass >= minPasses && summary.fail === 0,
    `the lab run ran its tests: ${JSON.stringify(summary)}`,
  );
}
