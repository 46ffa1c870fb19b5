// Shared by the web-app UI tests: the build check, a real server with SMTP capture and Chromium, page helpers, and
// the common path into a call (clinician signs in, starts a consultation, invites; patient opens the link; admit).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AppConfig, DeepPartialConfig } from '@consulta/server';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../support/chromium.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { startSmtpCapture } from '../support/smtp.ts';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const resultsDir = path.join(root, 'test-results');
const webDir = path.join(root, 'apps/web');
const distIndex = path.join(webDir, 'dist/join/index.html');

export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1100, height: 760 };

function newestMtime(p: string): number {
  if (!existsSync(p)) return 0;
  const s = statSync(p);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(
    0,
    ...readdirSync(p).map((n) => (n === 'node_modules' || n === 'dist' ? 0 : newestMtime(path.join(p, n)))),
  );
}

/** Builds apps/web when dist is missing or older than anything it is built from. */
export function ensureWebBuild(): void {
  const sources = Math.max(
    newestMtime(webDir),
    newestMtime(path.join(root, 'packages/call-engine/src')),
    newestMtime(path.join(root, 'packages/protocol/src')),
  );
  if (existsSync(distIndex) && statSync(distIndex).mtimeMs >= sources) return;
  execFileSync('pnpm', ['--filter', '@consulta/web', 'build'], { cwd: root, stdio: 'inherit' });
}

export interface WebEnv {
  url: string;
  server: TestServer;
  browser: Browser;
  smtp: Awaited<ReturnType<typeof startSmtpCapture>>;
  newPage(viewport?: { width: number; height: number }): Promise<Page>;
  /** Saves test-results/web-<name>.png; `fullPage` for phone layouts that scroll. */
  shot(page: Page, name: string, fullPage?: boolean): Promise<void>;
  close(): Promise<void>;
}

/** The real server (with SMTP capture), and Chromium with `chromiumArgs` added to the usual fake-media flags. */
export async function startWebEnv(
  options: {
    overrides?: DeepPartialConfig;
    beforeListen?: (app: TestServer['app'], config: AppConfig) => Promise<void> | void;
    chromiumArgs?: string[];
  } = {},
): Promise<WebEnv> {
  const smtp = await startSmtpCapture();
  const server = await startTestServer({
    overrides: { ...options.overrides, email: { smtpUrl: smtp.url } },
    ...(options.beforeListen ? { beforeListen: options.beforeListen } : {}),
  });
  const browser = await launchChromium({ extraArgs: options.chromiumArgs ?? [] });
  mkdirSync(resultsDir, { recursive: true });
  const contexts: BrowserContext[] = [];
  return {
    url: server.url,
    server,
    browser,
    smtp,
    async newPage(viewport = DESKTOP) {
      const context = await browser.newContext({ viewport });
      contexts.push(context);
      // Keeps every RTCPeerConnection the page creates in window.peerConnections, so a test can look at what a
      // connection really sends (the apps do not expose their engine).
      await context.addInitScript(() => {
        const Native = window.RTCPeerConnection;
        const all: RTCPeerConnection[] = [];
        (window as unknown as { peerConnections: RTCPeerConnection[] }).peerConnections = all;
        window.RTCPeerConnection = class extends Native {
          constructor(config?: RTCConfiguration) {
            super(config);
            all.push(this);
          }
        };
      });
      const page = await context.newPage();
      // Four browsers' calls beside the light lane's servers load a 2-core CI machine to 20+ runnable tasks:
      // a page then answers slowly (a click's hit-target check or a bounding box took over 30 s, the admin's live
      // card over 15 s). Waits stay event-based; only how long one may take before it counts as failed grows.
      page.setDefaultTimeout(60_000);
      page.on('pageerror', (err) => console.error(`[page error] ${err.message}`));
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') console.error(`[console] ${m.text()}`);
      });
      page.on('dialog', (d) => void d.accept());
      return page;
    },
    async shot(page, name, fullPage = false) {
      await page.screenshot({ path: path.join(resultsDir, `web-${name}.png`), fullPage });
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => {});
      await browser.close();
      await server.close();
      await smtp.close();
    },
  };
}

/** Signs a new clinician in through the UI and starts a consultation; leaves the page on the consultation. */
export async function clinicianStarts(env: WebEnv, name: string, title: string): Promise<Page> {
  const account = await env.server.createStaff('CLINICIAN', name);
  const doc = await env.newPage();
  await doc.goto(`${env.url}/clinician/`);
  await doc.getByLabel('Email').fill(account.email);
  await doc.getByLabel('Password').fill(account.password);
  await doc.getByRole('button', { name: 'Sign in' }).click();
  await doc.getByTestId('page-dashboard').waitFor();
  await doc.getByLabel('Title').fill(title);
  await doc.getByRole('button', { name: 'Start consultation' }).click();
  await doc.getByTestId('page-consult').waitFor();
  await doc.getByText('You are in the room').waitFor();
  return doc;
}

/** Invites through the clinician's form and returns the link from the email. */
export async function inviteByEmail(env: WebEnv, doc: Page, email: string, name: string): Promise<string> {
  const form = doc.getByRole('form', { name: 'Invite someone' });
  await form.getByLabel('Email').fill(email);
  await form.getByLabel('Name').fill(name);
  await form.getByLabel('Role').selectOption('PATIENT');
  await form.getByRole('button', { name: 'Send invitation' }).click();
  await doc.getByText(`Invitation sent to ${email}`).waitFor();
  const mail = await env.smtp.nextMessage();
  const link = /(https?:\/\/\S+\/join#[A-Za-z0-9_-]+)/.exec(mail.text ?? '')?.[1] ?? '';
  assert.ok(link.startsWith(`${env.url}/join#`), `invite link in: ${mail.text}`);
  return link;
}

/** The patient opens the link, passes the pre-call check and waits to be admitted. */
export async function patientWaits(env: WebEnv, link: string, viewport = PHONE): Promise<Page> {
  const pat = await env.newPage(viewport);
  await pat.goto(link);
  await pat.getByTestId('page-precheck').waitFor();
  await pat.getByRole('button', { name: 'Join consultation' }).click();
  await pat.getByText('You are in the waiting room').waitFor();
  return pat;
}

/** Clinician and patient in a call with each other's video playing. */
export async function startCall(
  env: WebEnv,
  names: { clinician: string; patient: string; title: string; email: string },
  patientViewport = PHONE,
): Promise<{ doc: Page; pat: Page; link: string }> {
  const doc = await clinicianStarts(env, names.clinician, names.title);
  const link = await inviteByEmail(env, doc, names.email, names.patient);
  const pat = await patientWaits(env, link, patientViewport);
  await doc.getByRole('button', { name: `Admit ${names.patient}` }).click();
  await Promise.all([
    videoPlaying(doc, '[data-testid="remote-tile"] video'),
    videoPlaying(pat, '[data-testid="remote-tile"] video'),
  ]);
  return { doc, pat, link };
}

/** The <video> has decoded frames and its currentTime advances. */
export async function videoPlaying(page: Page, selector: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  for (;;) {
    const s = await page.evaluate((sel) => {
      const v = document.querySelector(sel) as HTMLVideoElement | null;
      return v ? { w: v.videoWidth, t: v.currentTime } : null;
    }, selector);
    if (s && s.w > 0) {
      await page.waitForTimeout(400);
      const later = await page.evaluate(
        (sel) => (document.querySelector(sel) as HTMLVideoElement).currentTime,
        selector,
      );
      if (later > s.t) return;
    }
    last = s;
    if (Date.now() > deadline) assert.fail(`${selector} is not playing; last ${JSON.stringify(last)}`);
    await page.waitForTimeout(200);
  }
}

/** Frames the <video> has presented so far (rises only while media arrives and decodes). */
export function framesShown(page: Page, selector: string): Promise<number> {
  return page.evaluate(
    (sel) => (document.querySelector(sel) as HTMLVideoElement).getVideoPlaybackQuality().totalVideoFrames,
    selector,
  );
}

/** Waits until the <video> presents `count` more frames than it had when called. */
export async function framesAdvance(page: Page, selector: string, count = 10): Promise<void> {
  const start = await framesShown(page, selector);
  await page.waitForFunction(
    ({ sel, target }) =>
      (document.querySelector(sel) as HTMLVideoElement).getVideoPlaybackQuality().totalVideoFrames >= target,
    { sel: selector, target: start + count },
    { timeout: 15_000 },
  );
}
