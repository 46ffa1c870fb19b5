// The latency probe checks itself: in a real 1:1 call (Chromium, the real server, a loopback-only network
// namespace) the sender's probe camera and microphone hold everything for a known 200 ms, and the receiver must
// see glass-to-glass video and mouth-to-ear audio grow by 200 ms ± 30 ms over an unheld run of the same call
// (so whatever the loaded machine adds cancels out). Figures print as `MEASURE`.
import assert from 'node:assert/strict';
import os from 'node:os';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { assertNamespacedRunPasses, inLoopbackNamespace, launchChromium } from '../support/chromium.ts';
import { clearSamples, readSamples, setHold, waitForSamples } from '../support/latency-probe/inject.ts';
import { type LatencySummary, summarizeSamples } from '../support/latency-probe/stats.ts';
import { startSmtpCapture } from '../support/smtp.ts';
import { type FixtureServer, startFixtureServer } from './fixture-server.ts';
import { ProbeCall } from './latency-call.ts';

const thisFile = fileURLToPath(import.meta.url);
const HOLD_MS = 200;
const TOLERANCE_MS = 30;
const FRAMES = 120;
const BEEPS = 8;

if (!inLoopbackNamespace()) {
  test('latency probe, inside a loopback-only network namespace', async () => {
    await assertNamespacedRunPasses(thisFile, 1);
  });
} else {
  describe('latency probe', () => {
    let smtp: Awaited<ReturnType<typeof startSmtpCapture>>;
    let server: FixtureServer;
    let browser: Browser;

    before(async () => {
      smtp = await startSmtpCapture();
      server = await startFixtureServer({ email: { smtpUrl: smtp.url } });
      browser = await launchChromium();
    });
    after(async () => {
      await browser?.close();
      await server?.close();
      await smtp?.close();
    });

    test(`a ${HOLD_MS} ms hold in the sender's canvas reads as +${HOLD_MS} ms ± ${TOLERANCE_MS} ms`, async (t) => {
      const call = new ProbeCall(browser, server, smtp);
      try {
        await call.open(1);
        await call.settledPlan((p) => p.topology === 'p2p');
        const sender = call.people[0]!;
        const receiver = call.people[1]!;
        const measure = async () => {
          await clearSamples(receiver.page);
          const got = await waitForSamples(
            receiver.page,
            { sender: sender.sender, video: FRAMES, audio: BEEPS },
            60_000,
          );
          return {
            video: summarizeSamples(got, sender.sender, 'video'),
            audio: summarizeSamples(got, sender.sender, 'audio'),
          };
        };
        // Media flowing: the first frames of a call carry its start-up (key frame, jitter buffer filling).
        await waitForSamples(receiver.page, { sender: sender.sender, video: 30, audio: 2 }, 60_000);
        const plain = await measure();
        await setHold(sender.page, HOLD_MS);
        // Wait until the held frames and beeps are what arrives, then measure afresh.
        await untilShifted(receiver.page, sender.sender, plain, 30_000);
        const held = await measure();
        const dv = held.video.medianMs - plain.video.medianMs;
        const da = held.audio.medianMs - plain.audio.medianMs;
        const line =
          `video median ${fmt(plain.video)} -> held ${fmt(held.video)}: +${dv.toFixed(1)} ms; ` +
          `audio median ${fmt(plain.audio)} -> held ${fmt(held.audio)}: +${da.toFixed(1)} ms; ` +
          `load ${os.loadavg()[0]!.toFixed(2)}`;
        console.log(`MEASURE ${line}`);
        t.diagnostic(line);
        assert.ok(Math.abs(dv - HOLD_MS) <= TOLERANCE_MS, `video shift ${dv} ms`);
        assert.ok(Math.abs(da - HOLD_MS) <= TOLERANCE_MS, `audio shift ${da} ms`);
      } catch (err) {
        console.error(await call.diagnostics());
        throw err;
      } finally {
        await call.close();
      }
    });
  });
}

const fmt = (s: LatencySummary) =>
  `${s.medianMs.toFixed(1)} (p95 ${s.p95Ms.toFixed(1)}, max ${s.maxMs.toFixed(1)}, n ${s.count})`;

/** Waits until both the newest frames and the newest beep show at least half the hold on top of `before`. */
async function untilShifted(
  page: Page,
  sender: number,
  before: { video: LatencySummary; audio: LatencySummary },
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  await clearSamples(page);
  for (;;) {
    const got = (await readSamples(page)).filter((s) => s.sender === sender);
    const lastVideo = got.filter((s) => s.kind === 'video').slice(-5);
    const lastAudio = got.filter((s) => s.kind === 'audio').at(-1);
    const shifted =
      lastVideo.length === 5 &&
      lastVideo.every((s) => s.latencyMs > before.video.medianMs + HOLD_MS / 2) &&
      lastAudio !== undefined &&
      lastAudio.latencyMs > before.audio.medianMs + HOLD_MS / 2;
    if (shifted) return;
    if (Date.now() > deadline) throw new Error('the hold never showed at the receiver');
    await new Promise((r) => setTimeout(r, 200));
  }
}
