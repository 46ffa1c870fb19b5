// One browser-launch helper for both engines the tests drive: Debian's Chromium through playwright-core and
// Debian's Firefox ESR through puppeteer-core over WebDriver BiDi (playwright cannot drive a stock Firefox). A
// test launches the engines it needs and opens each participant's page on the one it chooses; the page interface
// covers what the call tests do with a page (open, evaluate, wait for a condition, screenshot, close), so a
// scenario is written once and run with any mix of engines. Both run with fake camera and microphone.
import type { Browser as PlaywrightBrowser } from 'playwright-core';
import type { Browser as PuppeteerBrowser } from 'puppeteer-core';
import { launchChromium, launchKillableChromium } from './chromium.ts';
import { launchFirefox } from './firefox.ts';

export type EngineName = 'chromium' | 'firefox';

export interface ParticipantPage {
  readonly engine: EngineName;
  goto(url: string): Promise<void>;
  /** Runs `fn(arg)` in the page (serialised: it must not close over test-side variables) and returns its value. */
  evaluate<R, A = undefined>(fn: (arg: A) => R | Promise<R>, arg?: A): Promise<R>;
  /** Polls `fn(arg)` in the page until it returns a truthy value, which it returns (JSON-serialisable). */
  waitForFunction<R, A = undefined>(
    fn: (arg: A) => R | Promise<R>,
    arg?: A,
    options?: { timeout?: number },
  ): Promise<NonNullable<R>>;
  screenshot(path: string): Promise<void>;
  /** Closes the page and its profile (cookies and storage are per page: every participant is a separate user). */
  close(): Promise<void>;
  /**
   * Chromium only: the page's renderer process crashes (DevTools `Page.crash`), as a tab does ("Aw, Snap!").
   * Resolves once the browser reported the crash; the profile stays open until `close()`.
   */
  crash?(): Promise<void>;
  /**
   * Chromium in a process of its own only (`chromiumProcessPerPage`): every process of the browser is SIGKILLed at
   * once, as an operating system reclaiming it or `killall -9` does: its sockets end without a close frame (the
   * server reads 1006), its media with them.
   */
  kill?(): Promise<void>;
}

export interface BrowserEngine {
  readonly name: EngineName;
  /** A page in a fresh profile; `initScript` runs in every document it loads, before the page's own scripts. */
  newPage(options?: {
    viewport?: { width: number; height: number };
    initScript?: () => void;
  }): Promise<ParticipantPage>;
  close(): Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 30_000;
/** Condition polling interval: an interval, not requestAnimationFrame, which a hidden headless page may throttle. */
const POLL_MS = 50;

export async function launchEngine(name: EngineName): Promise<BrowserEngine> {
  return name === 'chromium' ? chromiumEngine(await launchChromium()) : firefoxEngine(await launchFirefox());
}

/** Launches each distinct engine once; `engines[name]` for every name asked for. */
export async function launchEngines(
  names: readonly EngineName[],
): Promise<{ engines: Map<EngineName, BrowserEngine>; close(): Promise<void> }> {
  const engines = new Map<EngineName, BrowserEngine>();
  for (const name of new Set(names)) engines.set(name, await launchEngine(name));
  return {
    engines,
    close: async () => {
      for (const e of engines.values()) await e.close().catch(() => {});
    },
  };
}

function logPageErrors(engine: EngineName, message: string): void {
  console.error(`[${engine} page error] ${message}`);
}

/** A playwright Chromium (launchChromium) as an engine, for tests that launch it themselves. */
export function chromiumEngine(browser: PlaywrightBrowser): BrowserEngine {
  return {
    name: 'chromium',
    async newPage(options = {}) {
      const context = await browser.newContext({ viewport: options.viewport ?? { width: 680, height: 360 } });
      if (options.initScript) await context.addInitScript(options.initScript);
      const page = await context.newPage();
      page.setDefaultTimeout(DEFAULT_TIMEOUT_MS);
      page.on('pageerror', (err) => logPageErrors('chromium', err.message));
      return {
        engine: 'chromium',
        goto: async (url) => {
          await page.goto(url);
        },
        evaluate: <R, A>(fn: (arg: A) => R | Promise<R>, arg?: A) =>
          page.evaluate(fn as never, arg) as Promise<R>,
        waitForFunction: async <R, A>(
          fn: (arg: A) => R | Promise<R>,
          arg?: A,
          o: { timeout?: number } = {},
        ) => {
          const handle = await page.waitForFunction(fn as never, arg, {
            timeout: o.timeout ?? DEFAULT_TIMEOUT_MS,
            polling: POLL_MS,
          });
          return (await handle.jsonValue()) as NonNullable<R>;
        },
        screenshot: async (path) => {
          await page.screenshot({ path });
        },
        close: () => context.close(),
        crash: async () => {
          const crashed = new Promise<void>((resolve) => page.once('crash', () => resolve()));
          const devtools = await context.newCDPSession(page);
          // The command never answers: its renderer is gone. The page's `crash` event says it happened.
          void devtools.send('Page.crash').catch(() => {});
          await crashed;
        },
      };
    },
    close: () => browser.close(),
  };
}

/** Chromium with every page in a browser process of its own, which the page's `kill()` ends. */
export function chromiumProcessPerPage(): BrowserEngine {
  const open = new Set<() => Promise<void>>();
  return {
    name: 'chromium',
    async newPage(options = {}) {
      const own = await launchKillableChromium();
      open.add(own.close);
      const page = await chromiumEngine(own.browser).newPage(options);
      return {
        ...page,
        close: async () => {
          open.delete(own.close);
          await own.close();
        },
        kill: () => own.kill(),
      };
    },
    close: async () => {
      for (const close of [...open]) await close();
      open.clear();
    },
  };
}

function firefoxEngine(browser: PuppeteerBrowser): BrowserEngine {
  return {
    name: 'firefox',
    async newPage(options = {}) {
      // A BiDi user context per participant: its own cookies, like a separate browser profile. And a window of its
      // own: tabs of one window hide each other (visibilityState `hidden`), and a hidden tab presents no video
      // frames and runs its timers late, which no participant on a machine of their own lives with.
      const context = await browser.createBrowserContext();
      const page = await context.newPage({ type: 'window' });
      await page.setViewport(options.viewport ?? { width: 680, height: 360 });
      if (options.initScript) await page.evaluateOnNewDocument(options.initScript);
      page.setDefaultTimeout(DEFAULT_TIMEOUT_MS);
      page.on('pageerror', (err) =>
        logPageErrors('firefox', err instanceof Error ? err.message : String(err)),
      );
      return {
        engine: 'firefox',
        goto: async (url) => {
          await page.goto(url);
        },
        evaluate: <R, A>(fn: (arg: A) => R | Promise<R>, arg?: A) =>
          page.evaluate(fn as never, arg) as Promise<R>,
        waitForFunction: async <R, A>(
          fn: (arg: A) => R | Promise<R>,
          arg?: A,
          o: { timeout?: number } = {},
        ) => {
          const handle = await page.waitForFunction(
            fn as (...args: unknown[]) => R,
            { timeout: o.timeout ?? DEFAULT_TIMEOUT_MS, polling: POLL_MS },
            arg,
          );
          return (await handle.jsonValue()) as NonNullable<R>;
        },
        screenshot: async (path) => {
          await page.screenshot({ path });
        },
        close: () => context.close(),
      };
    },
    close: () => browser.close(),
  };
}
