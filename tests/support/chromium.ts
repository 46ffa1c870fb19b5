import assert from 'node:assert/strict';
// Debian's Chromium driven by playwright-core (no downloaded browser builds), with fake media devices, plus a
// way to run a test file inside a loopback-only network namespace so WebRTC's ICE can only use 127.0.0.1.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Flags for a headless, quiet Chromium with fake camera/microphone and WebRTC allowed on loopback. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--autoplay-policy=no-user-gesture-required',
];

export type ChromiumLaunch = { extraArgs?: string[]; timeoutMs?: number };

/** playwright's launch options for Debian's Chromium with CHROMIUM_ARGS (throws when it is not installed). */
export function chromiumLaunchOptions(options: ChromiumLaunch = {}) {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `no Chromium at ${CHROMIUM_PATH}; install it: apt-get install -y chromium (scripts/setup.sh)`,
    );
  }
  return {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS, ...(options.extraArgs ?? [])],
    timeout: options.timeoutMs ?? 30_000,
  };
}

export function launchChromium(options: ChromiumLaunch = {}): Promise<Browser> {
  return chromium.launch(chromiumLaunchOptions(options));
}

/**
 * Chromium as a process the caller can kill: playwright connects to a browser server it launched, whose process
 * (the browser's main process) `kill` ends as the operating system or a user would.
 */
export async function launchKillableChromium(
  options: ChromiumLaunch = {},
): Promise<{ browser: Browser; kill(): Promise<void>; close(): Promise<void> }> {
  const server = await chromium.launchServer(chromiumLaunchOptions(options));
  const browser = await chromium.connect(server.wsEndpoint());
  const child = server.process();
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  return {
    browser,
    async kill() {
      // The whole process group at once (playwright starts the browser as a group's leader), as an operating
      // system reclaiming the app or `killall -9` does: no process of it is left to close a socket properly.
      // Killing the main process alone is not that: its network service then closes WebSockets with 1001.
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      await exited;
    },
    async close() {
      await browser.close().catch(() => {});
      await server.close().catch(() => {});
    },
  };
}

/** Set in the environment of a process re-executed inside the loopback-only namespace. */
export const NETNS_ENV = 'CONSULTA_LOOPBACK_NETNS';

export const inLoopbackNamespace = (): boolean => process.env[NETNS_ENV] === '1';

/**
 * Browser test files take turns across the whole machine (every worktree and test run on it): a browser call
 * saturates two cores, and two at once make both slow enough to time out. The turn is a `flock` on this file;
 * waiting for it does not count against a run's timeout.
 */
export const BROWSER_TURN_LOCK = process.env.CONSULTA_BROWSER_LOCK ?? '/tmp/consulta-browser-tests.lock';
const TURN_TAKEN = '__consulta_browser_turn__';

/**
 * Waits for this process's turn at browser tests (BROWSER_TURN_LOCK) and holds it until the returned function is
 * called, for browser work that runs in this process rather than in a namespaced child.
 */
export function takeBrowserTurn(): Promise<() => void> {
  return new Promise((resolve, reject) => {
    // flock holds the lock while `cat` runs; closing its stdin ends cat and releases it.
    const holder = spawn('flock', [BROWSER_TURN_LOCK, 'sh', '-c', `echo ${TURN_TAKEN}; exec cat`], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    holder.once('error', reject);
    holder.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes(TURN_TAKEN)) resolve(() => holder.stdin.end());
    });
  });
}

/**
 * Runs `node --import tsx --test <file>` inside a new network namespace that has only `lo` (brought up first),
 * so nothing in it (server, coturn, Chromium) can reach or advertise another interface, once it is this run's turn
 * (BROWSER_TURN_LOCK). Needs root (CAP_SYS_ADMIN), as in CI. The child's output streams to our stderr unless
 * `quiet`; resolves with its exit code and output.
 */
export function runInLoopbackNamespace(
  testFile: string,
  options: { timeoutMs?: number; quiet?: boolean; env?: Record<string, string> } = {},
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'flock',
      [
        BROWSER_TURN_LOCK,
        'sh',
        '-c',
        `echo ${TURN_TAKEN} >&2; exec "$0" "$@"`,
        'unshare',
        '--net',
        '--',
        'sh',
        '-c',
        'ip link set lo up && exec "$0" "$@"',
        process.execPath,
        '--import',
        'tsx',
        '--test',
        '--test-reporter=spec',
        testFile,
      ],
      // Without NODE_TEST_CONTEXT the child is a test run of its own, not a file of ours (which it would skip).
      {
        env: { ...withoutTestContext(process.env), ...options.env, [NETNS_ENV]: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    let timer: NodeJS.Timeout | null = null;
    const take = (d: Buffer) => {
      let text = d.toString();
      if (!timer && text.includes(TURN_TAKEN)) {
        text = text.replace(`${TURN_TAKEN}\n`, '');
        // Generous: a loaded 2-core CI machine runs a recording or SFU suite several times slower than an idle one;
        // the bound is for a hung run, not a slow one.
        timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 900_000);
      }
      output += text;
      if (!options.quiet) process.stderr.write(text);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.once('error', (err) => {
      if (timer) clearTimeout(timer);
      reject(new Error(`cannot run flock/unshare (${err.message}); util-linux and iproute2 are needed`));
    });
    child.once('close', (code) => {
      if (timer) clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

function withoutTestContext(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  delete copy.NODE_TEST_CONTEXT;
  return copy;
}

/** The pass/fail counts from a spec reporter's summary, to check that the namespaced run ran anything. */
export function specSummary(output: string): { pass: number; fail: number } {
  const count = (name: string) => Number(new RegExp(`ℹ ${name} (\\d+)`).exec(output)?.[1] ?? Number.NaN);
  return { pass: count('pass'), fail: count('fail') };
}

/**
 * The outer half of a namespaced browser test: re-runs `testFile` inside a loopback-only namespace and fails unless
 * that inner run passed at least `minPasses` tests and failed none (an inner run that skipped everything is a fail).
 */
export async function assertNamespacedRunPasses(testFile: string, minPasses: number): Promise<void> {
  const { code, output } = await runInLoopbackNamespace(testFile);
  assert.equal(code, 0, `the namespaced run failed:\n${output.slice(-8000)}`);
  const summary = specSummary(output);
  assert.ok(
    summary.pass >= minPasses && summary.fail === 0,
    `the namespaced run ran its tests: ${JSON.stringify(summary)}`,
  );
}
