// The Node side of the latency probe: bundles page.ts once and installs it in a browser context, so every page
// opened in it gets the probe camera and microphone and measures what it receives; then reads the samples back.
import path from 'node:path';
import { build } from 'esbuild';
import type { BrowserContext, Page } from 'playwright-core';
import type { ProbeConfig, ProbeSample } from './page.ts';

let bundled: Promise<string> | null = null;

function pageScript(): Promise<string> {
  bundled ??= build({
    entryPoints: [path.join(import.meta.dirname, 'page.ts')],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'chrome120',
    write: false,
    logLevel: 'silent',
  }).then((r) => r.outputFiles[0]!.text);
  return bundled;
}

/** Every page of `context` from now on runs the probe as sender `config.sender` (0..15, one per participant). */
export async function installLatencyProbe(context: BrowserContext, config: ProbeConfig): Promise<void> {
  const script = await pageScript();
  await context.addInitScript({
    content: `window.__consultaLatencyProbeConfig = ${JSON.stringify(config)};\n${script}`,
  });
}

export const setHold = (page: Page, ms: number): Promise<void> =>
  page.evaluate((h) => window.consultaLatencyProbe.setHold(h), ms);

export const clearSamples = (page: Page): Promise<void> =>
  page.evaluate(() => window.consultaLatencyProbe.clear());

export const readSamples = (page: Page): Promise<ProbeSample[]> =>
  page.evaluate(() => window.consultaLatencyProbe.samples());

/** Waits (polling the page) until it holds at least `video` frames and `audio` beeps of `sender`. */
export async function waitForSamples(
  page: Page,
  want: { sender: number; video: number; audio: number },
  timeoutMs: number,
): Promise<ProbeSample[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = await readSamples(page);
    const of = (kind: ProbeSample['kind']) => got.filter((s) => s.kind === kind && s.sender === want.sender);
    if (of('video').length >= want.video && of('audio').length >= want.audio) return got;
    if (Date.now() > deadline) {
      const unreadable = await page.evaluate(() => window.consultaLatencyProbe.unreadable());
      throw new Error(
        `probe: ${of('video').length}/${want.video} frames and ${of('audio').length}/${want.audio} beeps of ` +
          `sender ${want.sender} in ${timeoutMs} ms (${unreadable} unreadable frames)`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

export type { ProbeConfig, ProbeSample };
