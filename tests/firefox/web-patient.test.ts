// The real patient app in Firefox with a Chromium clinician, through the UI against the real server: the clinician
// signs in, starts a consultation and invites by email; the patient opens the emailed link in Firefox, the pre-call
// check previews the camera, meters the microphone and reaches the real coturn; the patient joins and waits, the
// clinician admits; both decode each other's video and the Firefox patient's connection receives audio that is
// not silence; mute and camera off work; the clinician ends it and Firefox shows the ended page.
// Builds apps/web first when its dist is missing or stale, then re-runs itself in a loopback-only namespace.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type BrowserEngine, launchEngine, type ParticipantPage } from '../support/browser-engine.ts';
import { assertNamespacedRunPasses, inLoopbackNamespace } from '../support/chromium.ts';
import { type RunningCoturn, startCoturn } from '../support/coturn.ts';
import { untilPage } from '../support/until-page.ts';
import {
  clinicianStarts,
  ensureWebBuild,
  inviteByEmail,
  PHONE,
  resultsDir,
  startWebEnv,
  videoPlaying,
  type WebEnv,
} from '../web/support.ts';

const thisFile = fileURLToPath(import.meta.url);
const REMOTE_VIDEO = '[data-testid="remote-tile"] video';

if (!inLoopbackNamespace()) {
  test('patient app in Firefox with a Chromium clinician, inside a loopback-only network namespace', async () => {
    ensureWebBuild();
    await assertNamespacedRunPasses(thisFile, 1);
  });
} else {
  describe('the patient app in Firefox', () => {
    let env: WebEnv;
    let coturn: RunningCoturn;
    let firefox: BrowserEngine;

    before(async () => {
      coturn = await startCoturn({ verbose: false });
      env = await startWebEnv({ overrides: { turn: { urls: coturn.urls, secret: coturn.secret } } });
      firefox = await launchEngine('firefox');
    });
    after(async () => {
      await firefox?.close();
      await env?.close();
      await coturn?.stop();
    });

    test('pre-call check, waiting room, call with a Chromium clinician, ended page', async (t) => {
      const doc = await clinicianStarts(env, 'Dr. Ada Osei', 'Firefox patient');
      const link = await inviteByEmail(env, doc, 'pat.patient@example.test', 'Pat Patient');
      const pat = await firefox.newPage({ viewport: PHONE, initScript: keepPeerConnections });
      try {
        await pat.goto(link);
        await waitText(pat, '[data-testid="page-precheck"]', '');
        // The preview plays, the microphone meter moves, the network check reaches coturn's relay.
        await pat.waitForFunction(
          () => {
            const v = document.querySelector('[data-testid="preview-tile"] video') as HTMLVideoElement | null;
            return v !== null && v.videoWidth > 0 && v.currentTime > 0;
          },
          undefined,
          { timeout: 15_000 },
        );
        // Not asserted here: the microphone meter (Web Audio) stays at 0 in this headless Firefox, whose Web Audio
        // graph never runs on a machine with no audio output device (docs/browsers.md); reported for the record.
        const meter = await pat.evaluate(() =>
          Number((document.querySelector('[data-testid="mic-level"]') as HTMLMeterElement | null)?.value),
        );
        t.diagnostic(`microphone meter in Firefox: ${meter}`);
        await waitText(pat, 'body', 'Relay server (TURN): reached');
        await waitText(pat, 'body', 'Your connection is ready for the video call.');
        await pat.screenshot(path.join(resultsDir, 'firefox-patient-precheck.png'));
        await clickButton(pat, 'Join consultation');
        await waitText(pat, 'body', 'You are in the waiting room');

        const admittedAt = Date.now();
        await doc.getByRole('button', { name: 'Admit Pat Patient' }).click();
        await videoPlaying(doc, REMOTE_VIDEO);
        await untilPage(
          pat,
          presentedFrames,
          (f) => f.width > 0 && f.first >= 0 && f.last - f.first > 10,
          30_000,
          "the Firefox patient's remote video presents frames",
        );
        t.diagnostic(`admit -> both remote videos playing ${Date.now() - admittedAt} ms`);
        // For the record (docs/browsers.md): what Firefox's getVideoPlaybackQuality says of the same element.
        const counted = await pat.evaluate((sel) => {
          const v = document.querySelector(sel) as HTMLVideoElement & { presented?: { last: number } };
          return {
            presented: v.presented?.last,
            totalVideoFrames: v.getVideoPlaybackQuality().totalVideoFrames,
          };
        }, REMOTE_VIDEO);
        t.diagnostic(`Firefox remote video: ${JSON.stringify(counted)}`);
        await waitText(pat, 'body', 'In consultation with Dr. Ada Osei');

        // What the Firefox patient's connection receives: video decoded, audio that is not silence.
        const first = await pat.evaluate(inbound);
        const later = await untilPage(
          pat,
          inbound,
          (s) =>
            s.frames > first.frames + 10 &&
            s.audioPackets > first.audioPackets + 20 &&
            s.energy > first.energy,
          15_000,
          'the Firefox patient decodes video and hears audio',
        );
        t.diagnostic(`Firefox patient receives: ${JSON.stringify(later)}`);

        // Mute and camera off act on the local tracks.
        await clickButton(pat, 'Mute');
        await clickButton(pat, 'Camera off');
        assert.deepEqual(await pat.evaluate(localTracksEnabled), { audio: false, video: false });
        await clickButton(pat, 'Unmute');
        await clickButton(pat, 'Camera on');
        assert.deepEqual(await pat.evaluate(localTracksEnabled), { audio: true, video: true });
        await videoPlaying(doc, REMOTE_VIDEO);
        await pat.screenshot(path.join(resultsDir, 'firefox-patient-call.png'));

        await doc.getByRole('button', { name: 'End consultation' }).click();
        await pat.waitForFunction(
          () => document.querySelector('[data-testid="page-ended"]') !== null,
          undefined,
          {
            timeout: 15_000,
          },
        );
      } finally {
        await pat.close().catch(() => {});
      }
    });
  });
}

/**
 * The Firefox patient's remote <video>: its width and the presented-frame counts first seen and latest, counted
 * with requestVideoFrameCallback (`presentedFrames`). Firefox's getVideoPlaybackQuality() counts only frames of its
 * own decoders, so for a MediaStream (a call's remote video) totalVideoFrames stays 0 however many frames play.
 * A new element (a re-rendered tile) starts counting afresh. The selector is REMOTE_VIDEO (runs in the page).
 */
function presentedFrames(): { width: number; first: number; last: number } {
  type Counted = HTMLVideoElement & {
    presented?: { first: number; last: number; tick?: VideoFrameRequestCallback };
  };
  const v = document.querySelector('[data-testid="remote-tile"] video') as Counted | null;
  if (!v) return { width: 0, first: -1, last: 0 };
  if (!v.presented) {
    // Assigned to a property, not declared: tsx names declared functions with a helper the page does not have.
    const counter: NonNullable<Counted['presented']> = { first: -1, last: 0 };
    counter.tick = (_now, meta) => {
      if (counter.first < 0) counter.first = meta.presentedFrames;
      counter.last = meta.presentedFrames;
      if (counter.tick) v.requestVideoFrameCallback(counter.tick);
    };
    v.presented = counter;
    v.requestVideoFrameCallback(counter.tick);
  }
  return { width: v.videoWidth, first: v.presented.first, last: v.presented.last };
}

/** Keeps every RTCPeerConnection the app creates in window.peerConnections (the app does not expose its engine). */
function keepPeerConnections(): void {
  const Native = window.RTCPeerConnection;
  const all: RTCPeerConnection[] = [];
  (window as unknown as { peerConnections: RTCPeerConnection[] }).peerConnections = all;
  window.RTCPeerConnection = class extends Native {
    constructor(config?: RTCConfiguration) {
      super(config);
      all.push(this);
    }
  };
}

/** Inbound media over the page's open peer connections: frames decoded, audio packets and energy. */
async function inbound(): Promise<{ frames: number; audioPackets: number; energy: number }> {
  const pcs = (window as unknown as { peerConnections: RTCPeerConnection[] }).peerConnections;
  const out = { frames: 0, audioPackets: 0, energy: 0 };
  for (const pc of pcs) {
    if (pc.connectionState === 'closed') continue;
    (await pc.getStats()).forEach((s: Record<string, unknown>) => {
      if (s.type !== 'inbound-rtp') return;
      if (s.kind === 'video') out.frames += Number(s.framesDecoded ?? 0);
      else {
        out.audioPackets += Number(s.packetsReceived ?? 0);
        out.energy += Number(s.totalAudioEnergy ?? 0);
      }
    });
  }
  return out;
}

function localTracksEnabled(): { audio: boolean; video: boolean } {
  const v = document.querySelector('[data-testid="local-tile"] video') as HTMLVideoElement;
  const s = v.srcObject as MediaStream;
  return { audio: s.getAudioTracks()[0]!.enabled, video: s.getVideoTracks()[0]!.enabled };
}

/** Waits until an element matching `selector` exists and its text contains `text`. */
async function waitText(page: ParticipantPage, selector: string, text: string): Promise<void> {
  await page.waitForFunction(
    ([sel, want]) =>
      (document.querySelector(sel as string)?.textContent ?? null)?.includes(want as string) === true,
    [selector, text],
    { timeout: 20_000 },
  );
}

/** Clicks the enabled button whose accessible text is exactly `name` (waiting for it). */
async function clickButton(page: ParticipantPage, name: string): Promise<void> {
  await page.waitForFunction(
    (n) =>
      Array.from(document.querySelectorAll('button')).some(
        (b) => !b.disabled && (b.getAttribute('aria-label') ?? b.textContent?.trim()) === n,
      ),
    name,
  );
  await page.evaluate((n) => {
    const button = Array.from(document.querySelectorAll('button')).find(
      (b) => !b.disabled && (b.getAttribute('aria-label') ?? b.textContent?.trim()) === n,
    );
    button?.click();
  }, name);
}
