// The media-path record from real browsers: a 1:1 call, direct and then forced through a real coturn, leaves one
// span per participant whose route matches what each page's own getStats says of its selected candidate pair.
// Runs in a loopback-only network namespace (the file re-runs itself under `unshare --net`), like p2p-call.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Consultation, MediaPathList, MediaPathSpan } from '@consulta/protocol';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { assertNamespacedRunPasses, inLoopbackNamespace, launchChromium } from '../support/chromium.ts';
import { type RunningCoturn, startCoturn } from '../support/coturn.ts';
import type { HttpClient } from '../support/http.ts';
import { type FixtureServer, startFixtureServer } from './fixture-server.ts';

const thisFile = fileURLToPath(import.meta.url);

if (!inLoopbackNamespace()) {
  test('media-path record from browser calls, inside a loopback-only network namespace', async () => {
    await assertNamespacedRunPasses(thisFile, 2);
  });
} else {
  describe('media-path record of a 1:1 call in Chromium', () => {
    let coturn: RunningCoturn;
    let server: FixtureServer;
    let browser: Browser;
    let auditor: HttpClient;

    before(async () => {
      coturn = await startCoturn({ verbose: false });
      server = await startFixtureServer({ turn: { urls: coturn.urls, secret: coturn.secret } });
      browser = await launchChromium();
      auditor = await server.server.signedIn('ADMIN', 'Auditor');
    });
    after(async () => {
      await browser?.close();
      await server?.close();
      await coturn?.stop();
    });

    for (const mode of ['direct', 'relay'] as const) {
      test(`${mode}: each participant's span states the route getStats reports`, async (t) => {
        const contexts: BrowserContext[] = [];
        try {
          const openPage = async (): Promise<Page> => {
            const context = await browser.newContext();
            contexts.push(context);
            const page = await context.newPage();
            await page.goto(server.pageUrl);
            await page.waitForFunction(() => window.consultaTest !== undefined);
            return page;
          };
          const api = (page: Page, method: string, p: string, body?: unknown) =>
            page.evaluate(
              ([m, pp, b]) => window.consultaTest.api(m as string, pp as string, b),
              [method, p, body],
            );
          // Two staff members: the clinician and an admin who joins their consultation (no invite needed).
          const doc = await openPage();
          const adm = await openPage();
          assert.equal(
            (await api(doc, 'POST', '/api/auth/sign-in', await server.createClinician('Dr. Path'))).status,
            200,
          );
          assert.equal(
            (await api(adm, 'POST', '/api/auth/sign-in', await server.server.createStaff('ADMIN'))).status,
            200,
          );
          const consult = (await api(doc, 'POST', '/api/consultations', { title: `Paths (${mode})` }))
            .body as Consultation;
          const start = (page: Page) =>
            page.evaluate(
              ([consultationId, policy]) =>
                window.consultaTest.start({
                  consultationId: consultationId as string,
                  iceTransportPolicy: policy as RTCIceTransportPolicy,
                }),
              [consult.id, mode === 'relay' ? 'relay' : 'all'],
            );
          await start(doc);
          await doc.waitForFunction(() => window.consultaTest.state() === 'joined');
          await start(adm);
          await adm.waitForFunction(() => window.consultaTest.state() === 'joined');
          const ids = new Map<Page, string>();
          for (const page of [doc, adm]) {
            await page.waitForFunction(() => window.consultaTest.firstFrameAt(), undefined, {
              timeout: 20_000,
            });
            ids.set(page, (await page.evaluate(() => window.consultaTest.selfId())) as string);
          }

          // The record fills in as each client reports its pair (within a poll or two of connecting).
          const spans = await waitForSpans(
            auditor,
            consult.id,
            (s) => s.filter((x) => x.path !== 'unknown').length >= 2,
          );
          for (const page of [doc, adm]) {
            const self = ids.get(page)!;
            const other = [...ids.values()].find((id) => id !== self)!;
            const mine = spans.filter((s) => s.participantId === self);
            assert.equal(mine.length, 1, `one span for ${self}: ${JSON.stringify(spans)}`);
            const span = mine[0]!;
            const seen = await page.evaluate(() => window.consultaTest.selectedCandidates());
            assert.ok(seen, 'the page has a selected pair');
            t.diagnostic(
              `${mode} ${self.slice(0, 8)}: record ${span.path} ${JSON.stringify(span.pair)}; getStats local ${seen.local.candidateType}/${seen.local.protocol}${seen.local.relayProtocol ? `/${seen.local.relayProtocol}` : ''} remote ${seen.remote.candidateType}`,
            );
            assert.equal(span.topology, 'p2p');
            assert.equal(span.link, 'mesh');
            assert.equal(span.peerId, other);
            assert.equal(span.endedAt, null);
            assert.equal(span.pair?.localType, seen.local.candidateType);
            assert.equal(span.pair?.remoteType, seen.remote.candidateType);
            assert.equal(span.pair?.protocol, seen.local.protocol);
            if (mode === 'relay') {
              assert.equal(span.path, 'turn');
              assert.equal(span.pair?.localType, 'relay');
              assert.equal(span.pair?.relayProtocol, seen.local.relayProtocol);
              assert.equal(span.pair?.relayAddress, `${seen.local.address}:${seen.local.port}`);
            } else {
              assert.equal(span.path, 'direct-host');
              assert.equal(span.pair?.relayAddress, undefined, 'no participant address is kept');
            }
          }

          // Leaving closes both spans.
          await doc.evaluate(() => window.consultaTest.leave());
          await adm.evaluate(() => window.consultaTest.leave());
          const closed = await waitForSpans(auditor, consult.id, (s) => s.every((x) => x.endedAt !== null));
          assert.equal(closed.length, 2);
        } finally {
          for (const c of contexts) await c.close();
        }
      });
    }
  });
}

/** Reads the record through the admin route until `ok` holds; the route waits for queued writes itself. */
async function waitForSpans(
  client: HttpClient,
  consultationId: string,
  ok: (spans: MediaPathSpan[]) => boolean,
  timeoutMs = 15_000,
): Promise<MediaPathSpan[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await client.get<MediaPathList>(`/api/consultations/${consultationId}/media-paths`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    if (ok(res.body.spans)) return res.body.spans;
    if (Date.now() > deadline) assert.fail(`media-path record incomplete: ${JSON.stringify(res.body.spans)}`);
    // Reports arrive on the clients' one-second poll; ask again shortly after.
    await new Promise((r) => setTimeout(r, 250));
  }
}
