// A 1:1 consultation in real Chromium through the real server: the clinician signs in, creates a consultation
// and invites the patient (real SMTP), the patient opens the emailed link and waits, the clinician admits, and
// both pages' call engines connect peer to peer; then again with every candidate forced through a real coturn.
// Everything runs in a loopback-only network namespace (the file re-runs itself under `unshare --net`).
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Consultation, Invite, OpenInviteReply } from '@consulta/protocol';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../support/chromium.ts';
import { type RunningCoturn, startCoturn } from '../support/coturn.ts';
import { namespacedSuite } from '../support/namespaced-suite.ts';
import { startSmtpCapture } from '../support/smtp.ts';
import type { RemoteMediaStats } from './fixture/app.ts';
import { type FixtureServer, startFixtureServer } from './fixture-server.ts';

const thisFile = fileURLToPath(import.meta.url);
const resultsDir = path.resolve(path.dirname(thisFile), '../../test-results');

namespacedSuite(
  thisFile,
  { what: '1:1 browser call', passes: 2 },
  '1:1 call between two Chromium pages through the real server',
  () => {
    let smtp: Awaited<ReturnType<typeof startSmtpCapture>>;
    let coturn: RunningCoturn;
    let server: FixtureServer;
    let browser: Browser;

    before(async () => {
      smtp = await startSmtpCapture();
      coturn = await startCoturn({ verbose: false });
      server = await startFixtureServer({
        email: { smtpUrl: smtp.url },
        turn: { urls: coturn.urls, secret: coturn.secret },
      });
      browser = await launchChromium();
      mkdirSync(resultsDir, { recursive: true });
    });
    after(async () => {
      await browser?.close();
      await server?.close();
      await coturn?.stop();
      await smtp?.close();
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
      const policy = mode === 'relay' ? 'relay' : 'all';
      const contexts: BrowserContext[] = [];
      const openPage = async (): Promise<Page> => {
        const context = await browser.newContext({ viewport: { width: 680, height: 360 } });
        contexts.push(context);
        const page = await context.newPage();
        page.on('pageerror', (err) => console.error(`[page error] ${err.message}`));
        await page.goto(server.pageUrl);
        await page.waitForFunction(() => window.consultaTest !== undefined);
        return page;
      };
      try {
        // The clinician signs in, creates the consultation and invites the patient, all from the page.
        const account = await server.createClinician('Dr. Ada Osei');
        const doc = await openPage();
        const api = (page: Page, method: string, p: string, body?: unknown) =>
          page.evaluate(
            ([m, pp, b]) => window.consultaTest.api(m as string, pp as string, b),
            [method, p, body],
          );
        assert.equal((await api(doc, 'POST', '/api/auth/sign-in', account)).status, 200);
        const created = await api(doc, 'POST', '/api/consultations', { title: `Browser call (${mode})` });
        assert.equal(created.status, 201);
        const consult = created.body as Consultation;
        const invited = await api(doc, 'POST', `/api/consultations/${consult.id}/invites`, {
          email: 'pat.patient@example.test',
          displayName: 'Pat Patient',
        });
        assert.equal(invited.status, 201, JSON.stringify(invited.body));
        assert.equal((invited.body as Invite).role, 'PATIENT');

        // The patient reads the email and opens the link in their own browser profile.
        const mail = await smtp.nextMessage();
        const token = /\/join#([A-Za-z0-9_-]+)/.exec(mail.text ?? '')?.[1];
        assert.ok(token, `no invite link in: ${mail.text}`);
        const pat = await openPage();
        const opened = await api(pat, 'POST', '/api/invites/open', { token });
        assert.equal(opened.status, 200);
        const patientId = (opened.body as OpenInviteReply).guest.participantId;

        // Both start their call engines; the patient waits until the clinician admits them.
        const start = (page: Page) =>
          page.evaluate(
            ([consultationId, iceTransportPolicy]) =>
              window.consultaTest.start({
                consultationId: consultationId as string,
                iceTransportPolicy: iceTransportPolicy as RTCIceTransportPolicy,
              }),
            [consult.id, policy],
          );
        await start(doc);
        await doc.waitForFunction(() => window.consultaTest.state() === 'joined');
        await start(pat);
        await pat.waitForFunction(() => window.consultaTest.state() === 'waiting');
        await doc.waitForFunction((id) => window.consultaTest.lobbyIds().includes(id), patientId);

        const admittedAt = Date.now();
        await doc.evaluate((id) => window.consultaTest.admit(id), patientId);
        await pat.waitForFunction(() => window.consultaTest.state() === 'joined');

        // First decoded frame on both sides, then media keeps flowing: frames decoded and audio packets rise.
        const firstFrame = async (page: Page) => {
          const handle = await page.waitForFunction(() => window.consultaTest.firstFrameAt(), undefined, {
            timeout: 20_000,
          });
          return (await handle.jsonValue()) as number;
        };
        const [docFrame, patFrame] = await Promise.all([firstFrame(doc), firstFrame(pat)]);
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
        }
        for (const [who, page] of [
          ['clinician', doc],
          ['patient', pat],
        ] as const) {
          const errors = await page.evaluate(() => window.consultaTest.errors());
          const log = await page.evaluate(() => window.consultaTest.log());
          assert.deepEqual(errors, [], `${who}: no engine errors; page log:\n${log.join('\n')}`);
          await page.screenshot({ path: path.join(resultsDir, `browser-call-${mode}-${who}.png`) });
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
        for (const [i, c] of contexts.entries()) {
          const page = c.pages()[0];
          const log = await page?.evaluate(() => window.consultaTest?.log() ?? []).catch(() => []);
          console.error(`--- page ${i} log ---\n${(log ?? []).join('\n')}`);
        }
        throw err;
      } finally {
        for (const c of contexts) await c.close();
      }
    }
  },
);

async function stats(page: Page): Promise<RemoteMediaStats> {
  const s = await page.evaluate(() => window.consultaTest.remoteStats());
  assert.ok(s, 'the page has a remote peer connection');
  return s;
}

/** Polls the page's getStats until `ok` holds (or fails after `timeoutMs`, showing the last sample). */
async function pollStats(
  page: Page,
  ok: (s: RemoteMediaStats) => boolean,
  timeoutMs = 15_000,
): Promise<RemoteMediaStats> {
  const deadline = Date.now() + timeoutMs;
  let last = await stats(page);
  while (!ok(last)) {
    if (Date.now() > deadline) assert.fail(`media did not flow in time; last stats ${JSON.stringify(last)}`);
    await page.waitForTimeout(100);
    last = await stats(page);
  }
  return last;
}
