// A 1:1 consultation between a Chromium clinician and a Firefox patient through the real server, peer to peer:
// invite by (captured) email, waiting room, admit, then both sides must decode the other's video (framesDecoded
// rising) and hear the other's audio (packets and totalAudioEnergy rising), first directly over loopback host
// candidates and then with every candidate forced through a real coturn. The direct call also drops the Firefox
// patient's signaling socket mid-call: the engine resumes and media keeps flowing.
// Runs in a loopback-only network namespace (the file re-runs itself under `unshare --net`).
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Consultation, OpenInviteReply } from '@consulta/protocol';
import type { RemoteMediaStats } from '../browser/fixture/app.ts';
import { type FixtureServer, startFixtureServer } from '../browser/fixture-server.ts';
import {
  type BrowserEngine,
  type EngineName,
  launchEngines,
  type ParticipantPage,
} from '../support/browser-engine.ts';
import { assertNamespacedRunPasses, inLoopbackNamespace } from '../support/chromium.ts';
import { type RunningCoturn, startCoturn } from '../support/coturn.ts';
import { startSmtpCapture } from '../support/smtp.ts';
import { untilPage } from '../support/until-page.ts';

const thisFile = fileURLToPath(import.meta.url);
const resultsDir = path.resolve(path.dirname(thisFile), '../../test-results');

if (!inLoopbackNamespace()) {
  test('1:1 Chromium <-> Firefox P2P call, inside a loopback-only network namespace', async () => {
    await assertNamespacedRunPasses(thisFile, 2);
  });
} else {
  describe('1:1 call, Chromium clinician and Firefox patient, peer to peer', () => {
    let smtp: Awaited<ReturnType<typeof startSmtpCapture>>;
    let coturn: RunningCoturn;
    let server: FixtureServer;
    let browsers: Awaited<ReturnType<typeof launchEngines>>;

    before(async () => {
      smtp = await startSmtpCapture();
      coturn = await startCoturn({ verbose: false });
      server = await startFixtureServer({
        email: { smtpUrl: smtp.url },
        turn: { urls: coturn.urls, secret: coturn.secret },
      });
      browsers = await launchEngines(['chromium', 'firefox']);
      mkdirSync(resultsDir, { recursive: true });
    });
    after(async () => {
      await browsers?.close();
      await server?.close();
      await coturn?.stop();
      await smtp?.close();
    });

    for (const mode of ['direct', 'relay'] as const) {
      test(`${mode}: admit, connect, both sides decode video and hear audio`, async (t) => {
        const engine = (name: EngineName) => browsers.engines.get(name) as BrowserEngine;
        const result = await oneCall(engine('chromium'), engine('firefox'), mode);
        t.diagnostic(
          `${mode}: admit -> first decoded frame: clinician (chromium) ${result.docFrameMs} ms, ` +
            `patient (firefox) ${result.patFrameMs} ms; pair ${result.pair}`,
        );
      });
    }

    async function oneCall(docEngine: BrowserEngine, patEngine: BrowserEngine, mode: 'direct' | 'relay') {
      const pages: Array<[string, ParticipantPage]> = [];
      const openPage = async (who: string, on: BrowserEngine): Promise<ParticipantPage> => {
        const page = await on.newPage();
        pages.push([who, page]);
        await page.goto(server.pageUrl);
        await page.waitForFunction(() => window.consultaTest !== undefined);
        return page;
      };
      const api = (page: ParticipantPage, method: string, p: string, body?: unknown) =>
        page.evaluate(
          ([m, pp, b]) => window.consultaTest.api(m as string, pp as string, b),
          [method, p, body],
        );
      try {
        const account = await server.createClinician('Dr. Ada Osei');
        const doc = await openPage('clinician', docEngine);
        assert.equal((await api(doc, 'POST', '/api/auth/sign-in', account)).status, 200);
        const created = await api(doc, 'POST', '/api/consultations', { title: `Mixed call (${mode})` });
        assert.equal(created.status, 201);
        const consult = created.body as Consultation;
        const invited = await api(doc, 'POST', `/api/consultations/${consult.id}/invites`, {
          email: 'pat.patient@example.test',
          displayName: 'Pat Patient',
        });
        assert.equal(invited.status, 201, JSON.stringify(invited.body));
        const mail = await smtp.nextMessage();
        const token = /\/join#([A-Za-z0-9_-]+)/.exec(mail.text ?? '')?.[1];
        assert.ok(token, `no invite link in: ${mail.text}`);
        const pat = await openPage('patient', patEngine);
        const opened = await api(pat, 'POST', '/api/invites/open', { token });
        assert.equal(opened.status, 200);
        const patientId = (opened.body as OpenInviteReply).guest.participantId;

        const start = (page: ParticipantPage) =>
          page.evaluate(
            ([consultationId, iceTransportPolicy]) =>
              window.consultaTest.start({
                consultationId: consultationId as string,
                iceTransportPolicy: iceTransportPolicy as RTCIceTransportPolicy,
              }),
            [consult.id, mode === 'relay' ? 'relay' : 'all'],
          );
        await start(doc);
        await doc.waitForFunction(() => window.consultaTest.state() === 'joined');
        await start(pat);
        await pat.waitForFunction(() => window.consultaTest.state() === 'waiting');
        await doc.waitForFunction((id) => window.consultaTest.lobbyIds().includes(id), patientId);
        const admittedAt = Date.now();
        await doc.evaluate((id) => window.consultaTest.admit(id), patientId);
        await pat.waitForFunction(() => window.consultaTest.state() === 'joined');

        const firstFrame = (page: ParticipantPage) =>
          page.waitForFunction(() => window.consultaTest.firstFrameAt(), undefined, { timeout: 30_000 });
        const [docFrame, patFrame] = await Promise.all([firstFrame(doc), firstFrame(pat)]);

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
  });
}

async function remoteStats(page: ParticipantPage): Promise<RemoteMediaStats> {
  const s = await page.evaluate(() => window.consultaTest.remoteStats());
  assert.ok(s, `${page.engine}: the page has a remote peer connection`);
  return s;
}
