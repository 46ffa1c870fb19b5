// A 1:1 consultation between a Chromium clinician and a Firefox patient through the real server, peer to peer:
// invite by (captured) email, waiting room, admit, then both sides must decode the other's video (framesDecoded
// rising) and hear the other's audio (packets and totalAudioEnergy rising), first directly over loopback host
// candidates and then with every candidate forced through a real coturn. The direct call also drops the Firefox
// patient's signaling socket mid-call: the engine resumes and media keeps flowing.
// Runs in a loopback-only network namespace (the file re-runs itself under `unshare --net`).
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { RemoteMediaStats } from '../browser/fixture/app.ts';
import { admittedCall, openFixturePage } from '../browser/fixture-page.ts';
import { fixtureSuite } from '../browser/fixture-suite.ts';
import type { BrowserEngine, ParticipantPage } from '../support/browser-engine.ts';
import { namespacedSuite } from '../support/namespaced-suite.ts';
import { untilPage } from '../support/until-page.ts';

const thisFile = fileURLToPath(import.meta.url);
const resultsDir = path.resolve(path.dirname(thisFile), '../../test-results');

namespacedSuite(
  thisFile,
  { what: '1:1 Chromium <-> Firefox P2P call', passes: 2 },
  '1:1 call, Chromium clinician and Firefox patient, peer to peer',
  () => {
    const suite = fixtureSuite({ coturn: true, firefox: true });
    before(() => {
      mkdirSync(resultsDir, { recursive: true });
    });

    for (const mode of ['direct', 'relay'] as const) {
      test(`${mode}: admit, connect, both sides decode video and hear audio`, async (t) => {
        const result = await oneCall(suite.engine('chromium'), suite.engine('firefox'), mode);
        t.diagnostic(
          `${mode}: admit -> first decoded frame: clinician (chromium) ${result.docFrameMs} ms, ` +
            `patient (firefox) ${result.patFrameMs} ms; pair ${result.pair}`,
        );
      });
    }

    async function oneCall(docEngine: BrowserEngine, patEngine: BrowserEngine, mode: 'direct' | 'relay') {
      const pages: Array<[string, ParticipantPage]> = [];
      const openPage = async (who: string, on: BrowserEngine): Promise<ParticipantPage> => {
        const page = await openFixturePage(on, suite.server.pageUrl);
        pages.push([who, page]);
        return page;
      };
      try {
        const doc = await openPage('clinician', docEngine);
        const pat = await openPage('patient', patEngine);
        const { admittedAt, docFrame, patFrame } = await admittedCall(suite, doc, pat, {
          title: `Mixed call (${mode})`,
          iceTransportPolicy: mode === 'relay' ? 'relay' : 'all',
          firstFrameMs: 30_000,
        });

        const pairs: string[] = [];
        for (const [who, page] of [
          ['clinician', doc],
          ['patient', pat],
        ] as const) {
          const first = await remoteStats(page);
          const later = await untilPage(
            page,
            () => window.consultaTest.remoteStats(),
            (s) =>
              s !== null &&
              s.framesDecoded > first.framesDecoded + 5 &&
              s.audioPacketsReceived > first.audioPacketsReceived + 10 &&
              s.audioEnergy > first.audioEnergy &&
              s.localCandidateType !== null,
            20_000,
            `${who} (${page.engine}) decodes video and hears audio`,
          );
          assert.ok(later);
          assert.equal(later.connectionState, 'connected', `${who}: connection state`);
          assert.ok(later.frameWidth !== null && later.frameWidth > 0, `${who}: frames have a size`);
          if (mode === 'relay') {
            assert.equal(later.localCandidateType, 'relay', `${who}: local candidate through TURN`);
            // Both ends are relay-only, so every check either side receives comes from the other's TURN
            // allocation; a browser that gets such a check before the trickled candidate names it learns the same
            // address as peer-reflexive (Firefox did so in one CI run). The local relay on both sides is the proof.
            assert.ok(
              later.remoteCandidateType === 'relay' || later.remoteCandidateType === 'prflx',
              `${who}: remote candidate through TURN (${later.remoteCandidateType})`,
            );
          } else {
            assert.equal(later.localCandidateType, 'host', `${who}: a direct host pair`);
          }
          pairs.push(
            `${who}/${page.engine} ${later.localCandidateType}/${later.remoteCandidateType} ${later.codec}`,
          );
        }
        if (mode === 'direct') {
          await pat.evaluate(() => window.consultaTest.dropSignaling());
          await pat.waitForFunction(() => window.consultaTest.resumedCount() === 1, undefined, {
            timeout: 15_000,
          });
          for (const page of [doc, pat]) {
            const before = await remoteStats(page);
            await untilPage(
              page,
              () => window.consultaTest.remoteStats(),
              (s) => s !== null && s.framesDecoded > before.framesDecoded + 5,
              15_000,
              `${page.engine}: video after the patient's signaling resumed`,
            );
          }
        }
        for (const [who, page] of pages) {
          const errors = await page.evaluate(() => window.consultaTest.errors());
          const log = await page.evaluate(() => window.consultaTest.log());
          assert.deepEqual(errors, [], `${who}: no engine errors; page log:\n${log.join('\n')}`);
          await page.screenshot(path.join(resultsDir, `firefox-p2p-${mode}-${who}-${page.engine}.png`));
        }
        await doc.evaluate(() => window.consultaTest.leave());
        await pat.evaluate(() => window.consultaTest.leave());
        return {
          docFrameMs: docFrame - admittedAt,
          patFrameMs: patFrame - admittedAt,
          pair: pairs.join(', '),
        };
      } catch (err) {
        for (const [who, page] of pages) {
          const log = await page.evaluate(() => window.consultaTest?.log() ?? []).catch(() => []);
          const debug = await page.evaluate(() => window.consultaTest?.debug() ?? []).catch(() => []);
          console.error(`--- ${who} (${page.engine}) log ---\n${log.join('\n')}\n${debug.join('\n')}`);
        }
        throw err;
      } finally {
        for (const [, page] of pages) await page.close().catch(() => {});
      }
    }
  },
);

async function remoteStats(page: ParticipantPage): Promise<RemoteMediaStats> {
  const s = await page.evaluate(() => window.consultaTest.remoteStats());
  assert.ok(s, `${page.engine}: the page has a remote peer connection`);
  return s;
}
