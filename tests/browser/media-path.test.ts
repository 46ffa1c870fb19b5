// The media-path record from real browsers: a 1:1 call, direct and then forced through a real coturn, leaves one
// span per participant whose route matches what each page's own getStats says of its selected candidate pair.
// Runs in a loopback-only network namespace (the file re-runs itself under `unshare --net`), like p2p-call.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Consultation, MediaPathList, MediaPathSpan } from '@consulta/protocol';
import type { ParticipantPage } from '../support/browser-engine.ts';
import type { HttpClient } from '../support/http.ts';
import { namespacedSuite } from '../support/namespaced-suite.ts';
import { STRONG_DESKTOP, WEAK_DESKTOP } from './fixture-group-call.ts';
import { fixtureApi as api, FixturePages, startCall } from './fixture-page.ts';
import { type FixtureSuite, fixtureSuite } from './fixture-suite.ts';

const thisFile = fileURLToPath(import.meta.url);

namespacedSuite(
  thisFile,
  { what: 'media-path record from browser calls', passes: 3 },
  'media-path record of a tree call in Chromium',
  () => {
    // A tree from the start (three people, audio only: 2 cores), so every span is a tree edge.
    const suite = fixtureSuite({ server: { routing: { forceTopology: 'tree' } } });
    const auditor = auditorOf(suite);

    test("tree: each edge's spans name the stream's sender and its relay, as the plan and getStats say", async (t) => {
      const opened = new FixturePages(suite);
      try {
        const doc = await opened.open();
        assert.equal(
          (await api(doc, 'POST', '/api/auth/sign-in', await suite.server.createClinician('Dr. Tree')))
            .status,
          200,
        );
        const consult = (await api(doc, 'POST', '/api/consultations', { title: 'Paths (tree)' }))
          .body as Consultation;
        // One weak uplink: the planner has a strong peer relay that sender's stream to the third.
        for (const [i, bw] of [STRONG_DESKTOP, STRONG_DESKTOP, WEAK_DESKTOP].entries()) {
          const page = i === 0 ? doc : await opened.open();
          if (page !== doc)
            assert.equal(
              (await api(page, 'POST', '/api/auth/sign-in', await suite.server.server.createStaff('ADMIN')))
                .status,
              200,
            );
          await startCall(page, {
            consultationId: consult.id,
            iceTransportPolicy: 'all',
            audioOnly: true,
            fixedBandwidth: bw,
          });
          await page.waitForFunction(() => window.consultaTest.state() === 'joined');
        }
        // Settled: every page holds the same tree plan, and every edge's receiver gets packets.
        await doc.waitForFunction(
          () =>
            window.consultaTest.plan()?.topology === 'tree' &&
            (window.consultaTest.plan()?.edges.length ?? 0) >= 6,
          undefined,
          { timeout: 20_000 },
        );
        const spans = await waitForSpans(
          auditor(),
          consult.id,
          (all) => {
            const open = all.filter((s) => s.endedAt === null);
            return open.length >= 12 && open.every((s) => s.path !== 'unknown');
          },
          30_000,
        );
        const plan = (await doc.evaluate(() => window.consultaTest.plan()))!;
        t.diagnostic(`plan ${JSON.stringify(plan.edges)}`);
        const open = spans.filter((s) => s.endedAt === null && s.planVersion <= plan.version);
        const relays = plan.edges.filter((e) => e.parent !== e.streamId);
        t.diagnostic(
          `tree plan v${plan.version}: ${plan.edges.length} edges, ${relays.length} relayed; ${open.length} open spans`,
        );
        for (const e of plan.edges) {
          const recv = open.find(
            (s) => s.link === 'recv' && s.participantId === e.child && s.streamOwnerId === e.streamId,
          );
          const send = open.find(
            (s) =>
              s.link === 'send' &&
              s.participantId === e.parent &&
              s.peerId === e.child &&
              s.streamOwnerId === e.streamId,
          );
          assert.ok(recv && send, `spans for edge ${JSON.stringify(e)} in ${JSON.stringify(open)}`);
          assert.equal(recv.topology, 'tree');
          assert.equal(recv.peerId, e.parent);
          assert.equal(recv.relayedById, e.parent === e.streamId ? null : e.parent);
          assert.equal(send.relayedById, recv.relayedById);
        }
        // Against each receiver's getStats: the connection it receives each stream on, and that pair's types.
        for (const page of opened.all) {
          const self = (await page.evaluate(() => window.consultaTest.selfId()))!;
          const links = await page.evaluate(() => window.consultaTest.linkPairs());
          for (const l of links.filter((x) => x.role === 'recv')) {
            const span = open.find(
              (s) => s.participantId === self && s.link === 'recv' && s.streamOwnerId === l.streamId,
            );
            assert.ok(span, `a span for ${self} receiving ${l.streamId}`);
            assert.equal(span.peerId, l.remote, 'received through the same peer the page is connected to');
            assert.equal(span.pair?.localType, l.local);
            assert.equal(span.pair?.remoteType, l.remoteType);
          }
        }
      } finally {
        await opened.close();
      }
    });
  },
);

describe('media-path record of a 1:1 call in Chromium', () => {
  const suite = fixtureSuite({ coturn: true });
  const auditor = auditorOf(suite);

  for (const mode of ['direct', 'relay'] as const) {
    test(`${mode}: each participant's span states the route getStats reports`, async (t) => {
      const opened = new FixturePages(suite);
      try {
        // Two staff members: the clinician and an admin who joins their consultation (no invite needed).
        const doc = await opened.open();
        const adm = await opened.open();
        assert.equal(
          (await api(doc, 'POST', '/api/auth/sign-in', await suite.server.createClinician('Dr. Path')))
            .status,
          200,
        );
        assert.equal(
          (await api(adm, 'POST', '/api/auth/sign-in', await suite.server.server.createStaff('ADMIN')))
            .status,
          200,
        );
        const consult = (await api(doc, 'POST', '/api/consultations', { title: `Paths (${mode})` }))
          .body as Consultation;
        const start = (page: ParticipantPage) =>
          startCall(page, {
            consultationId: consult.id,
            iceTransportPolicy: mode === 'relay' ? 'relay' : 'all',
          });
        await start(doc);
        await doc.waitForFunction(() => window.consultaTest.state() === 'joined');
        await start(adm);
        await adm.waitForFunction(() => window.consultaTest.state() === 'joined');
        const ids = new Map<ParticipantPage, string>();
        for (const page of [doc, adm]) {
          await page.waitForFunction(() => window.consultaTest.firstFrameAt(), undefined, {
            timeout: 20_000,
          });
          ids.set(page, (await page.evaluate(() => window.consultaTest.selfId())) as string);
        }

        // The record fills in as each client reports its pair (within a poll or two of connecting). Chrome may
        // switch its selected pair in the first seconds (a relay reached over TCP, then the one over UDP): that
        // ends the span and opens the next, so a participant has one open span, after earlier ones that each
        // ended where the next began. The open one must match what getStats shows now; a switch just made is
        // in the record within a poll, so it is read again until they agree.
        const deadline = Date.now() + 20_000;
        for (const page of [doc, adm]) {
          const self = ids.get(page)!;
          const other = [...ids.values()].find((id) => id !== self)!;
          for (;;) {
            const spans = await waitForSpans(
              auditor(),
              consult.id,
              (s) => s.filter((x) => x.path !== 'unknown' && x.endedAt === null).length >= 2,
            );
            const mine = spans
              .filter((x) => x.participantId === self)
              .sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt));
            const open = mine.filter((x) => x.endedAt === null);
            assert.equal(open.length, 1, `one open span for ${self}: ${JSON.stringify(spans)}`);
            const span = open[0]!;
            assert.equal(mine.at(-1), span, `the open span is the latest: ${JSON.stringify(mine)}`);
            for (const [i, earlier] of mine.slice(0, -1).entries()) {
              assert.equal(
                earlier.endedAt,
                mine[i + 1]!.startedAt,
                `a continuous record: ${JSON.stringify(mine)}`,
              );
            }
            const seen = await page.evaluate(() => window.consultaTest.selectedCandidates());
            assert.ok(seen, 'the page has a selected pair');
            const agrees =
              span.pair?.localType === seen.local.candidateType &&
              span.pair?.remoteType === seen.remote.candidateType &&
              span.pair?.protocol === seen.local.protocol &&
              (mode !== 'relay' ||
                (span.pair?.relayProtocol === seen.local.relayProtocol &&
                  span.pair?.relayAddress === `${seen.local.address}:${seen.local.port}`));
            if (!agrees && Date.now() < deadline) {
              await new Promise((r) => setTimeout(r, 500));
              continue;
            }
            t.diagnostic(
              `${mode} ${self.slice(0, 8)}: record ${span.path} ${JSON.stringify(span.pair)} (${mine.length} span(s)); getStats local ${seen.local.candidateType}/${seen.local.protocol}${seen.local.relayProtocol ? `/${seen.local.relayProtocol}` : ''} remote ${seen.remote.candidateType}`,
            );
            assert.equal(span.topology, 'p2p');
            assert.equal(span.link, 'mesh');
            assert.equal(span.peerId, other);
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
            break;
          }
        }

        // Leaving closes both spans.
        await doc.evaluate(() => window.consultaTest.leave());
        await adm.evaluate(() => window.consultaTest.leave());
        const closed = await waitForSpans(auditor(), consult.id, (s) => s.every((x) => x.endedAt !== null));
        assert.ok(closed.length >= 2, JSON.stringify(closed));
      } finally {
        await opened.close();
      }
    });
  }
});

/** An admin signed in to the suite's server once it is up, to read the media-path record. */
function auditorOf(suite: FixtureSuite): () => HttpClient {
  let auditor: HttpClient | undefined;
  before(async () => {
    auditor = await suite.server.server.signedIn('ADMIN', 'Auditor');
  });
  return () => {
    assert.ok(auditor, 'the auditor signs in before the tests');
    return auditor;
  };
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
