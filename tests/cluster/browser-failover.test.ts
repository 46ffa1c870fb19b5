// Issue 13 in a real browser: consultations split over two cluster nodes (docs/cluster.md), each page reaching the
// nodes through a load balancer with one URL (browser-cluster.ts), as ops run them.
// - A P2P call with video both ways, the clinician's page on node A (which runs the room) and the patient's on node
//   B. Node A is SIGKILLed mid-call: the clinician's page resumes on node B through the same URL, the patient's page
//   sees no leave, video keeps being decoded on both sides the whole time (framesDecoded sampled every 100 ms in
//   each page; the longest interval without a new frame prints as MEASURE), and the next plan comes from node B
//   with the next version.
// - A 3-person call over peer trees (one stream relayed) while both nodes are restarted one after the other
//   (SIGTERM, wait for the exit, start again): nobody sees a leave, no plan is lost (versions only grow, everyone
//   ends on the plan the room holds, and the next plan continues from it), audio keeps arriving on every pair.
// - The owner dies right after sending a plan to its own socket that it could not store (its link to Redis cut):
//   the node taking over continues from the stored plan, and the clinician's page must follow the room's next plan
//   (which reuses the lost plan's version) rather than keep the dead node's.
// Everything runs in a loopback-only network namespace (the file re-runs itself under `unshare --net`).
import assert from 'node:assert/strict';
import { after, before, type TestContext, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { StreamStat } from '../browser/fixture/app.ts';
import type { FrameWatchRecord } from '../browser/fixture/frame-watch.ts';
import { FixtureGroupCall, type Guest, STRONG_DESKTOP, WEAK_DESKTOP } from '../browser/fixture-group-call.ts';
import { admittedCall, dumpFixturePages, emailInvite, openFixturePage } from '../browser/fixture-page.ts';
import { assertNoEngineErrors, type CallPages, settledPlan } from '../browser/stream-pairs.ts';
import { describeTree, fullyKnown } from '../browser/tree-plan.ts';
import type { ParticipantPage } from '../support/browser-engine.ts';
import { HttpClient } from '../support/http.ts';
import { namespacedSuite } from '../support/namespaced-suite.ts';
import { SignalingClient } from '../support/signaling-client.ts';
import { untilPage } from '../support/until-page.ts';
import { type BrowserCluster, startBrowserCluster } from './browser-cluster.ts';

const thisFile = fileURLToPath(import.meta.url);
/** How often each page samples framesDecoded. */
const SAMPLE_MS = 100;
/** The longest a page may go without decoding a new frame while signaling moves (P2P media must not stop). */
const MAX_GAP_MS = 1_000;

namespacedSuite(
  thisFile,
  { what: 'browser calls across two cluster nodes', passes: 3 },
  'a P2P call in Chromium split over two cluster nodes',
  () => {
    let cluster: BrowserCluster;
    before(async () => {
      cluster = await startBrowserCluster();
    });
    after(async () => {
      await cluster?.close();
    });

    test('SIGKILL on the node that runs the room: the clinician resumes on B, no leave, no media gap, B plans next', async (t) => {
      const measure = measurer(t);
      const pages: ParticipantPage[] = [];
      try {
        const { doc, pat, consultationId, patientId, docId, both } = await crossNodeCall(
          cluster,
          pages,
          'Across two nodes',
        );
        assert.equal((await settledPlan(both, () => true, 10_000)).topology, 'p2p');

        // Video decodes both ways before anything happens.
        for (const page of [doc, pat]) {
          const first = await framesDecoded(page);
          await untilPage(page, framesNow, (n) => n >= first + 10, 15_000, 'video decoding');
        }
        await Promise.all(
          [doc, pat].map((p) => p.evaluate((ms) => window.consultaTest.watchFrames(ms), SAMPLE_MS)),
        );
        // A second of normal sampling first, so the gap before the kill is measured as well.
        await waitWatch(doc, (w) => w.samples >= 10);
        // The plan in force as A dies (a bandwidth report may still make a newer one: the pages agree first).
        const before = await settledPlan(both, () => true, 10_000);

        const killedAt = Date.now();
        await cluster.stop('a', 'SIGKILL');
        await doc.waitForFunction(() => window.consultaTest.resumedCount() >= 1, undefined, {
          timeout: 30_000,
        });
        const resumedAt = Date.now();
        assert.equal(await doc.evaluate(() => window.consultaTest.state()), 'joined');
        assert.equal(await cluster.leaseHolder(consultationId), 'node-b', 'B took the room over');
        await socketsAre(cluster, consultationId, { [docId]: 'node-b', [patientId]: 'node-b' });

        // Three more seconds of call on B alone, still sampled, then the gap figures.
        const until = Date.now() + 3_000;
        await waitWatch(doc, (w) => (w.lastSampleAt ?? 0) > until);
        await waitWatch(pat, (w) => (w.lastSampleAt ?? 0) > until);
        const watches = {
          clinician: await frameWatch(doc),
          patient: await frameWatch(pat),
        };
        measure(
          `SIGKILL node A -> clinician resumed on node B through the balancer: ${resumedAt - killedAt} ms`,
        );
        for (const [who, w] of Object.entries(watches)) {
          measure(
            `${who}: longest interval without a new decoded frame ${w.maxGapMs} ms ` +
              `(${w.maxGapEndedAt === null ? 'none' : `ended ${relative(w.maxGapEndedAt - killedAt)} the kill`}), ` +
              `${w.frames} frames in ${w.samples} samples over ${((w.lastSampleAt ?? 0) - w.startedAt) / 1000} s, ` +
              `longest sample interval ${w.maxSampleIntervalMs} ms`,
          );
        }
        for (const [who, w] of Object.entries(watches)) {
          assert.ok(
            w.startedAt < killedAt && (w.lastSampleAt ?? 0) > resumedAt,
            `${who}: watched across the outage`,
          );
          assert.ok(w.maxGapMs < MAX_GAP_MS, `${who}: video kept decoding (longest gap ${w.maxGapMs} ms)`);
          assert.ok(
            w.openGapMs < MAX_GAP_MS,
            `${who}: video still decoding (${w.openGapMs} ms since the last frame)`,
          );
        }

        // Nobody saw a leave: no peer-left on either page, the patient's own socket never broke, each still
        // has the other as a peer.
        assert.deepEqual(
          await pat.evaluate(() => window.consultaTest.peersLeft()),
          [],
          'the patient saw no leave',
        );
        assert.deepEqual(
          await doc.evaluate(() => window.consultaTest.peersLeft()),
          [],
          'the clinician saw no leave',
        );
        assert.equal(await pat.evaluate(() => window.consultaTest.resumedCount()), 0);
        assert.deepEqual(await pat.evaluate(() => window.consultaTest.remotePeerIds()), [docId]);
        assert.deepEqual(await doc.evaluate(() => window.consultaTest.remotePeerIds()), [patientId]);

        // The next plan comes from node B and continues the sequence: a third member (a signaling client of
        // the test's, through the patient's balancer) is admitted by the clinician's resumed page.
        const { ws, id: thirdId } = await waitingGuest(
          cluster,
          doc,
          cluster.pageUrl.toB,
          consultationId,
          'family',
        );
        try {
          await doc.evaluate((id) => window.consultaTest.admit(id), thirdId);
          // What the newcomer joins is the room as B runs it: at least the plan A had made (none lost).
          const joined = await ws.next('joined');
          const next = await ws.next('plan', (m) => m.plan.version > joined.plan.version);
          assert.ok(
            joined.plan.version >= before.version,
            `the room B runs has the plan A made (v${joined.plan.version} >= v${before.version})`,
          );
          assert.equal(next.plan.version, joined.plan.version + 1, 'the next plan continues the sequence');
          for (const page of [doc, pat]) {
            await page.waitForFunction(
              (v) => (window.consultaTest.plan()?.version ?? 0) >= v,
              next.plan.version,
            );
            const got = (await page.evaluate(() => window.consultaTest.plans())).find(
              (p) => p.plan.version === next.plan.version,
            );
            assert.deepEqual(got?.plan, next.plan, 'both pages got that plan');
          }
          assert.deepEqual(
            await noPlanLost(both, (id) => (id === docId ? 'clinician' : 'patient')),
            [1, 0],
            'the clinician resumed once, the patient never',
          );
          assert.equal(await cluster.leaseHolder(consultationId), 'node-b', 'that plan came from node B');
          measure(
            `plan v${before.version} in force when A died; B's room joined at v${joined.plan.version}; ` +
              `next plan v${next.plan.version} from node B`,
          );
          assert.deepEqual(await pat.evaluate(() => window.consultaTest.peersLeft()), [], 'still no leave');
        } finally {
          ws.socket.close();
        }
        await assertNoEngineErrors(both, roles(docId, patientId));
      } catch (err) {
        await dumpFixturePages(pages);
        cluster.dumpNodes();
        throw err;
      } finally {
        for (const p of pages) await p.close().catch(() => undefined);
      }
    });

    test('rolling restart of both nodes during a 3-person tree call: no leave, no lost plan, audio keeps flowing', async (t) => {
      const measure = measurer(t);
      // The first test left node A dead: a deploy starts from a whole cluster.
      if (!cluster.node('a')) await cluster.restart('a');
      const call = new FixtureGroupCall(cluster.groupCallServices());
      const { pages, name } = call;
      try {
        // Clinician and family through the balancer that prefers A, the patient through the one that prefers B.
        // The family's uplink feeds one copy only, so another peer relays it: a tree with a relay in it.
        await call.open(
          'chromium',
          'clinician',
          'Rolling restart (tree)',
          STRONG_DESKTOP,
          cluster.pageUrl.toA,
        );
        const guests: Guest[] = [
          { role: 'PATIENT', name: 'patient', bw: STRONG_DESKTOP, pageUrl: cluster.pageUrl.toB },
          { role: 'FAMILY', name: 'family', bw: WEAK_DESKTOP, pageUrl: cluster.pageUrl.toA },
        ];
        for (const guest of guests) await call.admit(await call.invite(guest), guest.name);
        const consultationId = call.consultation;
        const plan = await call.settledPlan((p) => p.topology === 'tree' && fullyKnown(p), 20_000);
        const relayed = plan.edges.find((e) => e.parent !== e.streamId);
        assert.ok(relayed, `a peer relays another's stream: ${describeTree(plan, name)}`);
        await call.waitPairs(call.pairs(), rising, 20_000);
        measure(`tree plan v${plan.version}: ${describeTree(plan, name)}`);
        const placed = { clinician: 'node-a', patient: 'node-b', family: 'node-a' } as Record<string, string>;
        await socketsAre(
          cluster,
          consultationId,
          Object.fromEntries([...pages.keys()].map((id) => [id, placed[name(id)!]!])),
        );
        await Promise.all(
          [...pages.values()].map((p) => p.evaluate(() => window.consultaTest.watchStreams())),
        );
        const startedAt = Date.now();

        for (const node of ['a', 'b'] as const) {
          const onIt = Object.entries(await socketsVia(cluster, consultationId))
            .filter(([, via]) => via === `node-${node}`)
            .map(([id]) => id);
          assert.ok(onIt.length > 0, `someone is on node ${node}`);
          const resumedBefore = new Map(
            await Promise.all(
              onIt.map(
                async (id) =>
                  [id, await pages.get(id)!.evaluate(() => window.consultaTest.resumedCount())] as const,
              ),
            ),
          );
          const stoppingAt = Date.now();
          await cluster.stop(node, 'SIGTERM');
          const goneAt = Date.now();
          for (const id of onIt) {
            await pages
              .get(id)!
              .waitForFunction((n) => window.consultaTest.resumedCount() > n, resumedBefore.get(id)!, {
                timeout: 30_000,
              });
          }
          const resumedAt = Date.now();
          const other = node === 'a' ? 'node-b' : 'node-a';
          assert.equal(await cluster.leaseHolder(consultationId), other, `the room moved off node ${node}`);
          await socketsAre(
            cluster,
            consultationId,
            Object.fromEntries([...pages.keys()].map((id) => [id, other])),
          );
          await cluster.restart(node);
          const restartedAt = Date.now();
          measure(
            `SIGTERM node ${node.toUpperCase()} (${onIt.map(name).join(', ')} on it): exited after ` +
              `${goneAt - stoppingAt} ms; all resumed on ${other} ${resumedAt - stoppingAt} ms after the SIGTERM; ` +
              `node ${node.toUpperCase()} up again after ${restartedAt - goneAt} ms`,
          );
          await call.waitPairs(call.pairs(), rising, 15_000);
        }

        // Nobody saw a leave, and nobody's media stopped: the longest silence of every (receiver, sender) pair
        // across both restarts.
        for (const [id, page] of pages) {
          assert.deepEqual(
            await page.evaluate(() => window.consultaTest.peersLeft()),
            [],
            `${name(id)} saw no leave`,
          );
        }
        const silences: string[] = [];
        for (const [recv, page] of pages) {
          const watch = await page.evaluate(() => window.consultaTest.streamWatch());
          for (const sender of pages.keys()) {
            if (sender === recv) continue;
            const r = watch[sender];
            assert.ok(
              r && r.firstAt !== null && r.firstAt - startedAt < 1_000,
              `${name(recv)} hears ${name(sender)}`,
            );
            silences.push(`${name(recv)}<-${name(sender)} ${Math.round(r.maxGapMs)} ms`);
            assert.ok(
              r.maxGapMs < MAX_GAP_MS,
              `${name(recv)} kept hearing ${name(sender)} (longest silence ${r.maxGapMs} ms)`,
            );
          }
        }
        measure(`longest silence per pair over the rolling restart: ${silences.join(', ')}`);

        // No plan was lost: on every page the versions only grew, everyone holds the same latest plan, and it is
        // the one the room's snapshot holds. Then the room plans on from it: the family leaves, and the plan that
        // follows is the next version.
        assert.deepEqual(
          await noPlanLost(pages, name),
          [...pages.keys()].map((id) => (name(id) === 'patient' ? 1 : 2)),
          'each resumed once per restart of the node it was on',
        );
        const latest = await eventually(async () => {
          const held = await call.settledPlan((p) => p.version >= plan.version, 10_000);
          assert.deepEqual(
            (await cluster.snapshot(consultationId))?.plan,
            held,
            'the stored plan is the one in force',
          );
          return held;
        });
        const familyId = [...pages.keys()].find((id) => name(id) === 'family')!;
        await call.leave(familyId);
        const after = await call.settledPlan((p) => p.version > latest.version, 10_000);
        assert.equal(after.version, latest.version + 1, 'the next plan continues the sequence');
        assert.equal(await cluster.leaseHolder(consultationId), 'node-a');
        measure(
          `plans v${plan.version} (tree settled) .. v${latest.version} (after both restarts) -> v${after.version}`,
        );
        await call.assertNoErrors();
      } catch (err) {
        await call.dump();
        cluster.dumpNodes();
        throw err;
      } finally {
        await call.close();
      }
    });

    test('SIGKILL of the owner after it sent a plan it could not store: the clinician follows the room B continues', async (t) => {
      const measure = measurer(t);
      for (const n of ['a', 'b'] as const) if (!cluster.node(n)) await cluster.restart(n);
      const pages: ParticipantPage[] = [];
      let cut = false;
      const guests: SignalingClient[] = [];
      try {
        const { doc, pat, consultationId, patientId, docId, both } = await crossNodeCall(
          cluster,
          pages,
          'A plan the owner could not store',
        );
        const stored = await settledPlan(both, () => true, 10_000);

        // A guest waits on node A. Node A's link to Redis is cut; the clinician admits the guest: node A runs the
        // room, so it plans at once and sends the plan to its own socket (the clinician's), while the snapshot
        // write with that plan (and the copy for the patient on B) never reaches Redis. Then node A dies.
        const early = await waitingGuest(cluster, doc, cluster.pageUrl.toA, consultationId, 'early');
        guests.push(early.ws);
        await Promise.all(
          [doc, pat].map((p) => p.evaluate((ms) => window.consultaTest.watchFrames(ms), SAMPLE_MS)),
        );
        cluster.cutRedis('a');
        cut = true;
        await doc.evaluate((id) => window.consultaTest.admit(id), early.id);
        await doc.waitForFunction((v) => (window.consultaTest.plan()?.version ?? 0) > v, stored.version);
        const unstored = (await doc.evaluate(() => window.consultaTest.plan()))!;
        const killedAt = Date.now();
        await cluster.stop('a', 'SIGKILL');
        cluster.healRedis('a');
        cut = false;
        await doc.waitForFunction(() => window.consultaTest.resumedCount() >= 1, undefined, {
          timeout: 30_000,
        });
        const resumedAt = Date.now();
        assert.equal(await cluster.leaseHolder(consultationId), 'node-b');

        // B continues the room from what A stored: the plan the clinician got from A is gone with A. The next
        // plan (another guest admitted, now through B) must be the one both pages follow.
        const late = await waitingGuest(cluster, doc, cluster.pageUrl.toB, consultationId, 'late');
        guests.push(late.ws);
        await doc.evaluate((id) => window.consultaTest.admit(id), late.id);
        const joined = await late.ws.next('joined');
        const next = await late.ws.next('plan', (m) => m.plan.version > joined.plan.version);
        assert.deepEqual(
          joined.peers.map((p) => p.id).sort(),
          [docId, patientId].sort(),
          'the room B runs is the one A stored (without the early guest)',
        );
        const held = await eventually(async () => {
          const plans = await Promise.all(
            [doc, pat].map((p) => p.evaluate(() => window.consultaTest.plan())),
          );
          for (const plan of plans)
            assert.deepEqual(plan, next.plan, "both pages follow the room's next plan");
          return plans;
        }, 10_000);
        assert.equal(held.length, 2);
        const resumedWith = (await doc.evaluate(() => window.consultaTest.wirePlans())).find(
          (w) => w.resumed,
        );
        measure(
          `plan v${stored.version} stored, v${unstored.version} sent by A to the clinician only, A killed; ` +
            `the clinician resumed on B ${resumedAt - killedAt} ms after the kill, its joined carrying ` +
            `v${resumedWith?.version}; the second guest joined B's room at v${joined.plan.version}, and B's next ` +
            `plan v${next.plan.version} is what both pages hold`,
        );

        // The call itself never noticed: no leave, and video decoded on both sides throughout.
        for (const [who, page] of [
          ['clinician', doc],
          ['patient', pat],
        ] as const) {
          const w = await frameWatch(page);
          measure(
            `${who}: longest interval without a new decoded frame ${w.maxGapMs} ms (A cut off from Redis, then killed)`,
          );
          assert.ok(w.maxGapMs < MAX_GAP_MS, `${who}: video kept decoding (longest gap ${w.maxGapMs} ms)`);
          assert.deepEqual(
            (await page.evaluate(() => window.consultaTest.peersLeft())).filter(
              (l) => l.peerId === docId || l.peerId === patientId,
            ),
            [],
            `${who} saw nobody of the call leave`,
          );
        }
      } catch (err) {
        await dumpFixturePages(pages);
        cluster.dumpNodes();
        throw err;
      } finally {
        if (cut) cluster.healRedis('a');
        for (const ws of guests) ws.socket.close();
        for (const p of pages) await p.close().catch(() => undefined);
      }
    });
  },
);

const rising = (prev: StreamStat, cur: StreamStat) => cur.packets > prev.packets && cur.via.length > 0;

const relative = (ms: number) => (ms >= 0 ? `${ms} ms after` : `${-ms} ms before`);

/**
 * A guest as a signaling client of the test's (no media), invited by email from the clinician's page, reaching
 * the cluster through the balancer of `pageUrl`, waiting in the lobby until the clinician's page sees it.
 */
async function waitingGuest(
  cluster: BrowserCluster,
  doc: ParticipantPage,
  pageUrl: string,
  consultationId: string,
  name: string,
): Promise<{ ws: SignalingClient; id: string }> {
  const { token } = await emailInvite(doc, cluster.smtp, consultationId, {
    email: `${name}@example.test`,
    displayName: name,
    role: 'FAMILY',
  });
  const http = new HttpClient(new URL(pageUrl).origin);
  const opened = await http.post<{ guest: { participantId: string } }>('/api/invites/open', { token });
  assert.equal(opened.status, 200, JSON.stringify(opened.body));
  const id = opened.body.guest.participantId;
  const ws = await SignalingClient.connect(http.baseUrl, http.cookieHeader);
  ws.send({ type: 'join', consultationId });
  await ws.next('waiting');
  await doc.waitForFunction((pid) => window.consultaTest.lobbyIds().includes(pid), id);
  return { ws, id };
}

/**
 * Runs `check` until it passes (or fails with its last error after `timeoutMs`): for what Redis shows a moment
 * after the pages do (the owner's own sockets get a message before its snapshot write lands).
 */
async function eventually<T>(check: () => Promise<T>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Every member's socket is on the node given (from the room's snapshot). */
function socketsAre(
  cluster: BrowserCluster,
  consultationId: string,
  expected: Record<string, string>,
): Promise<void> {
  return eventually(async () =>
    assert.deepEqual(await socketsVia(cluster, consultationId), expected, 'which node each member is on'),
  );
}

/**
 * No plan was lost, as each page's socket saw it (the engine itself ignores older plans, so its own record could
 * not show one): every `plan` message is newer than anything before it, and every `joined` (a resume on another
 * node included) carries at least the newest version the page had. A node that took a room over from a snapshot
 * older than what the last owner had sent would fail here. Returns how many resumes each page had.
 */
async function noPlanLost(pages: CallPages, name: (id: string) => string | undefined): Promise<number[]> {
  const resumes: number[] = [];
  for (const [id, page] of pages) {
    const wire = await page.evaluate(() => window.consultaTest.wirePlans());
    const seen = wire.map((w) => `${w.resumed ? 'resumed' : w.message} v${w.version}`).join(', ');
    let highest = 0;
    for (const w of wire) {
      if (w.message === 'plan')
        assert.ok(w.version > highest, `${name(id)}: a plan not newer than v${highest} (${seen})`);
      else assert.ok(w.version >= highest, `${name(id)}: a joined older than v${highest} (${seen})`);
      highest = Math.max(highest, w.version);
    }
    resumes.push(wire.filter((w) => w.resumed).length);
  }
  return resumes;
}

/** Participant id -> the node its socket is on, from the room's snapshot in Redis. */
async function socketsVia(
  cluster: BrowserCluster,
  consultationId: string,
): Promise<Record<string, string | null>> {
  const snapshot = await cluster.snapshot(consultationId);
  assert.ok(snapshot, 'the room has a snapshot');
  return Object.fromEntries(snapshot.members.map((m) => [m.participantId, m.via?.node ?? null]));
}

/** Frames decoded from the remote peer so far (runs in the page). */
const framesNow = async () => (await window.consultaTest.remoteStats())?.framesDecoded ?? 0;

const framesDecoded = (page: ParticipantPage): Promise<number> => page.evaluate(framesNow);

async function frameWatch(page: ParticipantPage): Promise<FrameWatchRecord> {
  const w = await page.evaluate(() => window.consultaTest.frameWatch());
  assert.ok(w, 'the page watches frames');
  return w;
}

async function waitWatch(page: ParticipantPage, ok: (w: FrameWatchRecord) => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const w = await frameWatch(page);
    if (ok(w)) return;
    if (Date.now() > deadline) assert.fail(`the frame watch did not get there: ${JSON.stringify(w)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Prints a figure for the logs and attaches it to the test's report. */
function measurer(t: TestContext): (line: string) => void {
  return (line) => {
    console.log(`MEASURE ${line}`);
    t.diagnostic(line);
  };
}

function roles(docId: string, patientId: string): Map<string, string> {
  return new Map([
    [docId, 'clinician'],
    [patientId, 'patient'],
  ]);
}

/**
 * A P2P call split over the nodes: the clinician's page through the balancer that prefers A (so A runs the room,
 * the clinician's join took it), the patient's through the one that prefers B, admitted and decoding.
 */
async function crossNodeCall(cluster: BrowserCluster, pages: ParticipantPage[], title: string) {
  const doc = await openFixturePage(cluster.chromium, cluster.pageUrl.toA);
  pages.push(doc);
  const pat = await openFixturePage(cluster.chromium, cluster.pageUrl.toB);
  pages.push(pat);
  const { consultationId, patientId } = await admittedCall(cluster.groupCallServices(), doc, pat, {
    title,
    iceTransportPolicy: 'all',
    firstFrameMs: 20_000,
  });
  const docId = (await doc.evaluate(() => window.consultaTest.selfId())) as string;
  const both: CallPages = new Map([
    [docId, doc],
    [patientId, pat],
  ]);
  assert.equal(await cluster.leaseHolder(consultationId), 'node-a');
  await socketsAre(cluster, consultationId, { [docId]: 'node-a', [patientId]: 'node-b' });
  return { doc, pat, consultationId, patientId, docId, both };
}
