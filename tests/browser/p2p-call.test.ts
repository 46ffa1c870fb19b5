// A 1:1 consultation in real Chromium through the real server: the clinician signs in, creates a consultation
// and invites the patient (real SMTP), the patient opens the emailed link and waits, the clinician admits, and
// both pages' call engines connect peer to peer; then again with every candidate forced through a real coturn.
// Everything runs in a loopback-only network namespace (the file re-runs itself under `unshare --net`).
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { ParticipantPage } from '../support/browser-engine.ts';
import { namespacedSuite } from '../support/namespaced-suite.ts';
import type { RemoteMediaStats } from './fixture/app.ts';
import { admittedCall, FixturePages } from './fixture-page.ts';
import { fixtureSuite } from './fixture-suite.ts';

const thisFile = fileURLToPath(import.meta.url);
const resultsDir = path.resolve(path.dirname(thisFile), '../../test-results');

namespacedSuite(
  thisFile,
  { what: '1:1 browser call', passes: 2 },
  '1:1 call between two Chromium pages through the real server',
  () => {
    const suite = fixtureSuite({ coturn: true });
    before(() => {
      mkdirSync(resultsDir, { recursive: true });
    });

    for (const mode of ['direct', 'relay'] as const) {
      test(`${mode}: admit, connect, both sides decode video and receive audio`, async (t) => {
        const result = await oneCall(mode);
        t.diagnostic(
          `${mode}: admit -> first decoded frame ${result.firstFrameMs} ms (clinician ${result.docFrameMs} ms, ` +
            `patient ${result.patFrameMs} ms); pair ${result.pair}`,
        );
      });
    }

    async function oneCall(mode: 'direct' | 'relay') {
      const opened = new FixturePages(suite);
      try {
        // The clinician signs in, creates the consultation and invites the patient, all from the page; the
        // patient opens the emailed link in their own browser profile; both start their call engines and the
        // clinician admits the waiting patient. Then the first decoded frame on both sides, and media keeps
        // flowing: frames decoded and audio packets rise.
        const doc = await opened.open();
        const pat = await opened.open();
        const { admittedAt, docFrame, patFrame } = await admittedCall(suite, doc, pat, {
          title: `Browser call (${mode})`,
          iceTransportPolicy: mode === 'relay' ? 'relay' : 'all',
          firstFrameMs: 20_000,
        });
        const pairs: string[] = [];
        for (const [who, page] of [
          ['clinician', doc],
          ['patient', pat],
        ] as const) {
          const first = await stats(page);
          const later = await pollStats(page, (s) => {
            return (
              s.framesDecoded > first.framesDecoded + 5 &&
              s.audioPacketsReceived > first.audioPacketsReceived + 10 &&
              s.localCandidateType !== null
            );
          });
          assert.equal(later.connectionState, 'connected', `${who}: connection state`);
          // 320 wide as captured; WebRTC may scale it down under CPU load (2 cores), never up.
          assert.ok(
            later.frameWidth !== null && later.frameWidth > 0 && later.frameWidth <= 320,
            `${who}: the small test video arrives (${later.frameWidth})`,
          );
          if (mode === 'relay') {
            assert.equal(later.localCandidateType, 'relay', `${who}: local candidate through TURN`);
            assert.equal(later.remoteCandidateType, 'relay', `${who}: remote candidate through TURN`);
          } else {
            assert.equal(later.localCandidateType, 'host', `${who}: a direct host pair`);
          }
          pairs.push(`${who} ${later.localCandidateType}/${later.remoteCandidateType}`);
        }
        if (mode === 'direct') {
          // The patient's signaling socket drops mid-call: the engine resumes its place, media never stops.
          await pat.evaluate(() => window.consultaTest.dropSignaling());
          await pat.waitForFunction(() => window.consultaTest.resumedCount() === 1, undefined, {
            timeout: 10_000,
          });
          for (const page of [doc, pat]) {
            const before = await stats(page);
            await pollStats(page, (s) => s.framesDecoded > before.framesDecoded + 5);
          }
          assert.equal(await doc.evaluate(() => window.consultaTest.remotePeerIds().length), 1);

          // The patient's answer to the clinician's next offer (an ICE restart) dies with its signaling socket,
          // as the network lab saw after a link outage. When the patient resumes, the server tells the clinician
          // (`peer-resumed`), who sends the unanswered offer again: the exchange completes instead of leaving
          // the clinician's connection in have-local-offer for good, unable to negotiate ever again.
          const since = Date.now();
          await pat.evaluate(() => window.consultaTest.loseNextAnswer());
          await doc.evaluate(() => window.consultaTest.restartIce());
          await pat.waitForFunction(() => window.consultaTest.resumedCount() === 2, undefined, {
            timeout: 10_000,
          });
          await doc
            .waitForFunction(
              (s) =>
                window.consultaTest.signalingStates().join() === 'stable' &&
                window.consultaTest.negotiationsSince(s).some((n) => n.count > 1),
              since,
              { timeout: 15_000 },
            )
            .catch(async (err: unknown) => {
              const states = await doc.evaluate(() => window.consultaTest.signalingStates());
              throw new Error(`the clinician's offer was never answered (signaling ${states}): ${err}`);
            });
          for (const page of [doc, pat]) {
            const before = await stats(page);
            await pollStats(page, (s) => s.framesDecoded > before.framesDecoded + 5);
          }
        }
        for (const [who, page] of [
          ['clinician', doc],
          ['patient', pat],
        ] as const) {
          const errors = await page.evaluate(() => window.consultaTest.errors());
          const log = await page.evaluate(() => window.consultaTest.log());
          assert.deepEqual(errors, [], `${who}: no engine errors; page log:\n${log.join('\n')}`);
          await page.screenshot(path.join(resultsDir, `browser-call-${mode}-${who}.png`));
        }
        await doc.evaluate(() => window.consultaTest.leave());
        await pat.evaluate(() => window.consultaTest.leave());
        return {
          firstFrameMs: Math.max(docFrame, patFrame) - admittedAt,
          docFrameMs: docFrame - admittedAt,
          patFrameMs: patFrame - admittedAt,
          pair: pairs.join(', '),
        };
      } catch (err) {
        // Both pages' engine logs make a failure readable without a rerun.
        await opened.dump();
        throw err;
      } finally {
        await opened.close();
      }
    }
  },
);

async function stats(page: ParticipantPage): Promise<RemoteMediaStats> {
  const s = await page.evaluate(() => window.consultaTest.remoteStats());
  assert.ok(s, 'the page has a remote peer connection');
  return s;
}

/** Polls the page's getStats until `ok` holds (or fails after `timeoutMs`, showing the last sample). */
async function pollStats(
  page: ParticipantPage,
  ok: (s: RemoteMediaStats) => boolean,
  timeoutMs = 15_000,
): Promise<RemoteMediaStats> {
  const deadline = Date.now() + timeoutMs;
  let last = await stats(page);
  while (!ok(last)) {
    if (Date.now() > deadline) assert.fail(`media did not flow in time; last stats ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
    last = await stats(page);
  }
  return last;
}
