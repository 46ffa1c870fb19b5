// The in-call view through the UI in real Chromium against the real server: chat both ways over the signaling
// socket, switching camera and microphone mid-call without restarting it, the per-peer connection quality from
// getStats, the route with its reason, and the active-speaker highlight (from audio levels off the SFU; on the SFU
// as the server names it, and cleared when that person falls silent). Runs in a loopback-only namespace.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { assertNamespacedRunPasses, inLoopbackNamespace } from '../support/chromium.ts';
import {
  clinicianStarts,
  ensureWebBuild,
  framesAdvance,
  inviteByEmail,
  PHONE,
  patientWaits,
  startCall,
  startWebEnv,
  videoPlaying,
  type WebEnv,
} from './support.ts';

const thisFile = fileURLToPath(import.meta.url);
const REMOTE = '[data-testid="remote-tile"] video';

if (!inLoopbackNamespace()) {
  test('in-call features through the UI, inside a loopback-only network namespace', async () => {
    ensureWebBuild();
    await assertNamespacedRunPasses(thisFile, 3);
  });
} else {
  describe('the in-call view in Chromium', () => {
    let env: WebEnv;
    before(async () => {
      // Three fake cameras (the fake audio side always has three inputs) to switch between. Chromium's second fake
      // camera is a depth camera (Y16) that WebRTC cannot encode, so the switch goes to the third.
      env = await startWebEnv({ chromiumArgs: ['--use-fake-device-for-media-stream=device-count=3'] });
    });
    after(async () => {
      await env?.close();
    });

    test('chat, device switching, quality, route and active speaker between clinician and patient', async (t) => {
      const { doc, pat } = await startCall(env, {
        clinician: 'Dr. Lin Mwangi',
        patient: 'Sam Patient',
        title: 'Asthma review',
        email: 'sam@example.test',
      });

      // Chat: the patient types and presses Enter; the clinician sees it under the patient's name, and answers.
      const patInput = pat.getByLabel('Message', { exact: true });
      await patInput.fill('Hello doctor, the new inhaler helps.');
      await patInput.press('Enter');
      const docLog = doc.getByRole('log', { name: 'Chat' });
      await docLog.getByText('Hello doctor, the new inhaler helps.').waitFor();
      assert.match((await docLog.locator('li').last().textContent()) ?? '', /^Sam Patient/);
      await doc.getByLabel('Message', { exact: true }).fill('Good to hear. Keep the same dose.');
      await doc.getByRole('button', { name: 'Send', exact: true }).click();
      const patLog = pat.getByRole('log', { name: 'Chat' });
      await patLog.getByText('Keep the same dose.').waitFor();
      assert.match((await patLog.locator('li').last().textContent()) ?? '', /^Dr\. Lin Mwangi/);
      // The sender's own message comes back from the server, shown as theirs.
      assert.match((await patLog.locator('li').first().textContent()) ?? '', /^You/);
      assert.equal(await patInput.inputValue(), '', 'the input is cleared after sending');

      // Route with the policy's reason in words.
      const route = (await doc.getByTestId('topology').textContent()) ?? '';
      assert.match(route, /Direct/);
      assert.match(route, /p2p/);
      assert.match(route, /Two people/);

      // Connection quality from the peer connection's stats, in words with the figures.
      const quality = doc.getByTestId('remote-tile').getByTestId('quality');
      await doc.waitForFunction(
        () =>
          /RTT \d+ ms · loss/.test(
            document.querySelector('[data-testid="remote-tile"] [data-testid="quality"]')?.textContent ?? '',
          ),
        undefined,
        { timeout: 15_000 },
      );
      const qualityText = (await quality.textContent()) ?? '';
      assert.match(qualityText, /(Good|Fair|Poor) connection/);
      assert.match(qualityText, /loss [\d.]+ %/);
      assert.match(qualityText, /jitter \d+ ms/);
      t.diagnostic(`clinician's view of the patient: ${qualityText}`);

      // Active speaker: the patient's (fake, beeping) microphone makes their tile the highlighted one.
      await doc.locator('[data-testid="remote-tile"][data-speaking="true"]').waitFor({ timeout: 15_000 });

      // Camera switch on the patient's side: a new track from the other camera replaces the old one in the call.
      await framesAdvance(doc, REMOTE, 15);
      await doc.evaluate((sel) => {
        (window as unknown as { before: unknown }).before = (
          document.querySelector(sel) as HTMLVideoElement
        ).srcObject;
      }, REMOTE);
      await pat.evaluate(() => {
        const v = document.querySelector('[data-testid="local-tile"] video') as HTMLVideoElement;
        (window as unknown as { old: MediaStreamTrack[] }).old = (v.srcObject as MediaStream).getTracks();
      });
      const connectionsBefore = await sentTracks(pat);
      const camera = pat.getByLabel('Camera', { exact: true });
      const otherCamera = await camera.locator('option', { hasText: 'fake_device_2' }).getAttribute('value');
      assert.ok(otherCamera, 'another camera is listed');
      assert.notEqual(await camera.inputValue(), otherCamera, 'the first camera is in use');
      await camera.selectOption(otherCamera);
      await waitForLocalDevice(pat, 'video', otherCamera);
      await shot(pat, 'patient-call-devices', true);

      const mic = pat.getByLabel('Microphone', { exact: true });
      const otherMic = await mic.locator('option', { hasText: 'Fake Audio Input 1' }).getAttribute('value');
      assert.ok(otherMic, 'a second microphone is listed');
      await mic.selectOption(otherMic);
      await waitForLocalDevice(pat, 'audio', otherMic);
      assert.deepEqual(
        await pat.evaluate(() =>
          (window as unknown as { old: MediaStreamTrack[] }).old.map((tr) => tr.readyState),
        ),
        ['ended', 'ended'],
        'the replaced camera and microphone tracks are stopped',
      );
      // The patient's connection now sends the new tracks, on the same connection as before.
      const connectionsAfter = await sentTracks(pat);
      assert.equal(connectionsAfter.connections, connectionsBefore.connections, 'no new peer connection');
      assert.deepEqual(
        connectionsAfter.sent,
        connectionsAfter.local,
        'the connection sends the local tracks',
      );
      assert.notDeepEqual(connectionsAfter.sent, connectionsBefore.sent, 'which are new tracks');
      // Frames keep arriving although the old camera track is stopped: the connection sends the new one. Same
      // remote stream object: the call was not restarted.
      await framesAdvance(doc, REMOTE, 15);
      assert.ok(
        await doc.evaluate(
          (sel) =>
            (document.querySelector(sel) as HTMLVideoElement).srcObject ===
            (window as unknown as { before: unknown }).before,
          REMOTE,
        ),
        'the remote stream object stayed the same',
      );
      await doc.getByText('In call with Sam Patient').waitFor();

      await shot(doc, 'clinician-call-chat');
      await shot(pat, 'patient-call-chat', true);

      // The patient's connection to the server drops and stays down, losing the chat line that was on its way:
      // their place is kept, and after a moment the clinician's tile of them says why the picture may freeze.
      // Peer to peer, their video keeps playing. The patient sees the lost line as still sending and can type
      // another meanwhile; back, both arrive, once each, and the word goes.
      const indicator = doc.getByTestId('remote-tile').getByTestId('reconnecting-indicator');
      assert.equal(await indicator.count(), 0, 'nobody is reconnecting yet');
      const lost = 'My wifi is acting up.';
      const typedOffline = 'Can you still see me?';
      await holdSignalingDown(pat, async () => {
        await patInput.fill(lost);
        await patInput.press('Enter');
      });
      const sendingLines = pat.getByTestId('chat-sending');
      await sendingLines.getByText(lost).waitFor({ timeout: 10_000 });
      await pat.getByText('Connection lost, reconnecting').waitFor({ timeout: 15_000 });
      await patInput.fill(typedOffline);
      await patInput.press('Enter');
      await sendingLines.getByText(typedOffline).waitFor({ timeout: 10_000 });
      await shot(pat, 'patient-call-chat-sending', true);
      await indicator.waitFor({ timeout: 15_000 });
      assert.equal((await indicator.textContent())?.trim(), 'Reconnecting…');
      await framesAdvance(doc, REMOTE, 15);
      await doc.evaluate(() => window.scrollTo(0, 0));
      await shot(doc, 'clinician-call-patient-reconnecting');
      const laptop = doc.viewportSize();
      await doc.setViewportSize(PHONE);
      await shot(doc, 'clinician-call-patient-reconnecting-phone');
      if (laptop) await doc.setViewportSize(laptop);
      await letSignalingBack(pat);
      await indicator.waitFor({ state: 'detached', timeout: 20_000 });
      await docLog.getByText(typedOffline).waitFor({ timeout: 20_000 });
      await sendingLines.first().waitFor({ state: 'detached', timeout: 20_000 });
      const docLines = await docLog.locator('.chat-text').allTextContents();
      assert.deepEqual(
        docLines.filter((x) => x === lost || x === typedOffline),
        [lost, typedOffline],
        'the lost line and the one typed offline arrive once each, in the order typed',
      );
      assert.deepEqual(
        (await patLog.locator('.chat-text').allTextContents()).slice(-2),
        [lost, typedOffline],
        'the patient’s log holds them as delivered',
      );
      await doc.getByText('In call with Sam Patient').waitFor();
    });

    test('a direct path that loses media: the call moves to the server and the clinician is told why', async () => {
      const doc = await clinicianStarts(env, 'Dr. Ada Okafor', 'Follow-up on a weak line');
      const link = await inviteByEmail(env, doc, 'kim.lossy@example.test', 'Kim Patient');
      const pat = await env.newPage(PHONE);
      // Loopback loses nothing, so the patient's own reports are given the loss its receiver counted on a
      // direct 4G + weak-mobile path in the network lab (tests/netlab/bandwidth.test.ts does it on real lossy
      // links). Everything else goes through untouched, both ways.
      let rewritten = 0;
      await pat.routeWebSocket(/\/ws$/, (ws) => {
        const server = ws.connectToServer();
        ws.onMessage((m) => {
          const message = typeof m === 'string' ? (JSON.parse(m) as { type?: string }) : null;
          if (message?.type !== 'bandwidth') return server.send(m);
          rewritten++;
          server.send(JSON.stringify({ ...message, receiveLossPercent: 5.3 }));
        });
      });
      await pat.goto(link);
      await pat.getByRole('button', { name: 'Join consultation' }).click();
      await doc.getByRole('button', { name: 'Admit Kim Patient' }).click();
      const route = doc.getByTestId('topology');
      await route.getByText('loses too much video').first().waitFor({ timeout: 60_000 });
      assert.ok(rewritten > 0);
      await route.locator('code', { hasText: 'sfu' }).waitFor({ state: 'attached' });
      assert.match((await route.textContent()) ?? '', /Via the server/);
      await Promise.all([videoPlaying(doc, REMOTE), videoPlaying(pat, REMOTE)]);
      await pat.getByText('Your video goes through our secure server.').waitFor();
      await shot(doc, 'clinician-lossy-route');
      await shot(pat, 'patient-lossy-route', true);
      await doc.setViewportSize(PHONE);
      await shot(doc, 'clinician-lossy-route-phone', true);
    });

    const shot = (page: Page, name: string, fullPage = false) => env.shot(page, name, fullPage);
  });

  describe('the active speaker on the SFU', () => {
    let env: WebEnv;
    before(async () => {
      env = await startWebEnv({ overrides: { routing: { forceTopology: 'sfu' } } });
    });
    after(async () => {
      await env?.close();
    });

    test('the server names the speaker; silence clears the highlight and speaking brings it back', async () => {
      // The clinician mutes before the patient comes in, so the patient's (fake, beeping) microphone is the only
      // sound the server's observer ever hears: it names them. (A switch from a speaker who mutes to a beeping
      // one is the observer's call, and did not always come within 20 s.)
      const doc = await clinicianStarts(env, 'Dr. Lin Mwangi', 'Speaker on the SFU');
      const docBar = doc.getByRole('toolbar', { name: 'Call controls' });
      await docBar.getByRole('button', { name: 'Mute', exact: true }).click();
      const link = await inviteByEmail(env, doc, 'sam.sfu@example.test', 'Sam Patient');
      const pat = await patientWaits(env, link, PHONE);
      await doc.getByRole('button', { name: 'Admit Sam Patient' }).click();
      await videoPlaying(doc, REMOTE);
      await doc.getByTestId('topology').locator('code', { hasText: 'sfu' }).waitFor({ state: 'attached' });
      const patBar = pat.getByRole('toolbar', { name: 'Call controls' });
      const patientSpeaking = doc.locator('[data-testid="remote-tile"][data-speaking="true"]');
      await patientSpeaking.waitFor({ timeout: 20_000 });
      // The patient mutes: nobody speaks. The server keeps naming its last speaker (it announces changes only);
      // the clinician's page hears silence and clears the highlight.
      await patBar.getByRole('button', { name: 'Mute', exact: true }).click();
      await patientSpeaking.waitFor({ state: 'detached', timeout: 15_000 });
      await env.shot(doc, 'clinician-sfu-silence');
      // Speaking again: the same speaker, so no new announcement; the level brings the highlight back.
      await patBar.getByRole('button', { name: 'Unmute', exact: true }).click();
      await patientSpeaking.waitFor({ timeout: 15_000 });
      await env.shot(doc, 'clinician-sfu-speaker');
      await doc.setViewportSize(PHONE);
      await patientSpeaking.waitFor();
      await env.shot(doc, 'clinician-sfu-speaker-phone', true);
    });
  });
}

/** The tracks the page's live peer connections send, the local preview's tracks, and how many connections exist. */
function sentTracks(page: Page): Promise<{ connections: number; sent: string[]; local: string[] }> {
  return page.evaluate(() => {
    const pcs = (window as unknown as { peerConnections: RTCPeerConnection[] }).peerConnections;
    const v = document.querySelector('[data-testid="local-tile"] video') as HTMLVideoElement;
    // (No named function here: tsx would wrap it in a helper the page does not have.)
    const live = pcs.filter((pc) => pc.connectionState !== 'closed');
    return {
      connections: pcs.length,
      sent: live
        .flatMap((pc) => pc.getSenders().flatMap((s) => (s.track ? [s.track] : [])))
        .sort((a, b) => a.kind.localeCompare(b.kind))
        .map((t) => t.id),
      local: (v.srcObject as MediaStream)
        .getTracks()
        .sort((a, b) => a.kind.localeCompare(b.kind))
        .map((t) => t.id),
    };
  });
}

/** The local preview's track of `kind` comes from device `deviceId`. */
async function waitForLocalDevice(page: Page, kind: 'audio' | 'video', deviceId: string): Promise<void> {
  await page.waitForFunction(
    ({ kind, deviceId }) => {
      const v = document.querySelector('[data-testid="local-tile"] video') as HTMLVideoElement | null;
      const s = v?.srcObject as MediaStream | null;
      const track = kind === 'audio' ? s?.getAudioTracks()[0] : s?.getVideoTracks()[0];
      return track?.readyState === 'live' && track.getSettings().deviceId === deviceId;
    },
    { kind, deviceId },
    { timeout: 10_000 },
  );
}

/**
 * Cuts the page's signaling connection as a network would and keeps it cut: the live socket closes with 4000 (a
 * client dropping, not a page going away) and every reconnect goes to port 9, which Chromium refuses outright
 * (ERR_UNSAFE_PORT), until letSignalingBack.
 * `send` makes the page send something: the live socket is found by its next send, which is lost.
 */
async function holdSignalingDown(page: Page, send: () => Promise<void>): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { realWebSocket?: typeof WebSocket; signalingCut?: boolean };
    const Real = WebSocket;
    w.realWebSocket = Real;
    const realSend = Real.prototype.send;
    Real.prototype.send = function (this: WebSocket, _data) {
      // The message never reaches the server, as when the network dies under a socket that still looks open.
      Real.prototype.send = realSend;
      this.close(4000, 'network lost (test)');
      w.signalingCut = true;
    };
    window.WebSocket = class extends Real {
      constructor(_url: string | URL, protocols?: string | string[]) {
        super('ws://127.0.0.1:9/', protocols);
      }
    };
  });
  await send();
  await page.waitForFunction(() => (window as unknown as { signalingCut?: boolean }).signalingCut === true);
}

/** Undoes holdSignalingDown: the engine's next reconnect reaches the server and resumes its place. */
async function letSignalingBack(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { realWebSocket?: typeof WebSocket };
    if (w.realWebSocket) window.WebSocket = w.realWebSocket;
  });
}
