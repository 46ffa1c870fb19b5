// A tree relay whose connection drops (docs/routing.md, "A relay that crashes"), through the real server: while
// it is away for longer than signaling.relayLossSeconds, the room is replanned with it relaying nothing (its
// place still kept: nobody sees a leave), and once it resumes it may relay again. A drop that resumes within the
// window changes no plan. A relay whose page is gone (its socket closed with 1001, as a closed, reloaded or
// crashed tab's is) is replanned around at once, without waiting out the window. One whose connection broke
// without a close frame (1006: its browser process killed, most likely) gets the shorter
// signaling.relayBrokenSeconds. A relay whose network vanishes (no close, no pong) is found by the relays' faster
// heartbeat, then has the full window. Three people: the relay is the one a TURN-only guest's single copy goes to.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CloseCode, type Plan } from '@consulta/protocol';
import { type CallMember, joinedCall } from '../support/consultation.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { SignalingClient } from '../support/signaling-client.ts';
import { startSmtpCapture } from '../support/smtp.ts';

/** Long enough that a resume on a loaded machine comes back within it, and that an immediate replan is told apart. */
const RELAY_LOSS_MS = 3000;
/** The window for a connection that broke without a close frame; well apart from both 0 and RELAY_LOSS_MS. */
const RELAY_BROKEN_MS = 1200;
/** Relays are pinged this often (everyone else every signaling.heartbeatIntervalSeconds, 15 s). */
const RELAY_HEARTBEAT_MS = 1000;

let server: TestServer;
let smtp: Awaited<ReturnType<typeof startSmtpCapture>>;

before(async () => {
  smtp = await startSmtpCapture();
  server = await startTestServer({
    overrides: {
      email: { smtpUrl: smtp.url },
      signaling: {
        reconnectGraceSeconds: 60,
        relayLossSeconds: RELAY_LOSS_MS / 1000,
        relayBrokenSeconds: RELAY_BROKEN_MS / 1000,
        relayHeartbeatSeconds: RELAY_HEARTBEAT_MS / 1000,
      },
    },
  });
});
after(async () => {
  await server?.close();
  await smtp?.close();
});

const relaysFor = (plan: Plan, id: string) => plan.edges.filter((e) => e.parent === id && e.streamId !== id);

/** Clinician, patient and a TURN-only guest (one copy of its stream), all measured: a tree where someone relays. */
async function treeWithRelay(): Promise<{
  consultationId: string;
  people: CallMember[];
  plan: Plan;
  relay: CallMember;
}> {
  const { consult, people } = await joinedCall(server, smtp, 2, { title: 'Relay loss' });
  const turnOnly = people[2]!;
  for (const p of people) {
    p.ws.send({
      type: 'bandwidth',
      uplinkKbps: p === turnOnly ? 12_000 : 20_000,
      downlinkKbps: 20_000,
      relayOnly: p === turnOnly,
      device: 'desktop',
    });
  }
  const { plan } = await people[0]!.ws.next(
    'plan',
    (m) =>
      m.plan.topology === 'tree' &&
      !m.plan.reasons.some((r) => r.code === 'bandwidth-unknown') &&
      people.some((p) => relaysFor(m.plan, p.id).length > 0),
  );
  const relay = people.find((p) => relaysFor(plan, p.id).length > 0)!;
  assert.notEqual(relay, turnOnly, 'the TURN-only guest relays nothing');
  return { consultationId: consult.id, people, plan, relay };
}

/** The next plan `watcher` gets in which `relay` relays nothing. */
const planWithout = (watcher: CallMember, plan: Plan, relay: CallMember) =>
  watcher.ws.next('plan', (m) => m.plan.version > plan.version && relaysFor(m.plan, relay.id).length === 0);

const assertNobodyLeft = (watcher: CallMember) =>
  assert.deepEqual(
    watcher.ws.pending().filter((m) => m.type === 'peer-left'),
    [],
    'nobody saw it leave',
  );

/** The client gives its socket up as a network failure would (its own missed pongs): 4000, its page alive. */
function dropped(p: CallMember): Promise<unknown> {
  p.ws.socket.close(CloseCode.ClientDropped, 'client dropped');
  return p.ws.closed;
}

async function resume(p: CallMember, consultationId: string): Promise<SignalingClient> {
  const ws = await SignalingClient.connect(server.url, p.http.cookieHeader);
  ws.send({ type: 'join', consultationId, resumeToken: p.resumeToken });
  const joined = await ws.next('joined');
  assert.equal(joined.resumed, true);
  p.resumeToken = joined.resumeToken;
  p.ws = ws;
  return ws;
}

test('a relay away longer than the window stops relaying, keeps its place, and may relay again once back', async () => {
  const { consultationId, people, plan, relay } = await treeWithRelay();
  const watcher = people.find((p) => p !== relay)!;
  const droppedAt = Date.now();
  await dropped(relay);
  const shed = await planWithout(watcher, plan, relay);
  const shedMs = Date.now() - droppedAt;
  console.log(`MEASURE relay dropped -> plan v${shed.plan.version} without it relaying after ${shedMs} ms`);
  assert.ok(shedMs >= RELAY_LOSS_MS - 50, `not before the window (${shedMs} ms)`);
  assert.equal(shed.plan.topology, 'tree', `the call stays in a tree: ${JSON.stringify(shed.plan)}`);
  assert.ok(
    shed.plan.edges.some((e) => e.child === relay.id),
    'the relay still receives: its place is kept',
  );
  assertNobodyLeft(watcher);

  // Back, it may relay again: now the other full peer is lost, and the TURN-only guest's single copy can only go
  // to the first relay, which passes it on. Were it still taken as lost, no tree would fit.
  await resume(relay, consultationId);
  const other = people.find((p) => p !== relay && p !== people[2])!;
  await dropped(other);
  const again = await relay.ws.next(
    'plan',
    (m) => m.plan.version > shed.plan.version && relaysFor(m.plan, other.id).length === 0,
  );
  assert.equal(again.plan.topology, 'tree', `still a tree: ${JSON.stringify(again.plan)}`);
  assert.ok(relaysFor(again.plan, relay.id).length > 0, 'the relay that came back relays again');
  console.log(
    `MEASURE relay back, the other lost -> plan v${again.plan.version} with the first relaying again`,
  );
  for (const p of people) p.ws.socket.close();
});

test('a relay back within the window changes no plan', async () => {
  const { consultationId, people, plan, relay } = await treeWithRelay();
  const watcher = people.find((p) => p !== relay)!;
  const droppedAt = Date.now();
  await dropped(relay);
  const ws = await resume(relay, consultationId);
  const backMs = Date.now() - droppedAt;
  console.log(`MEASURE relay dropped and resumed in ${backMs} ms (window ${RELAY_LOSS_MS} ms)`);
  assert.ok(backMs < RELAY_LOSS_MS, `resumed within the window (${backMs} ms): the check below needs that`);
  // Past the window: the timer was stopped by the resume, so no plan was made.
  await new Promise((r) => setTimeout(r, RELAY_LOSS_MS + 500));
  const later = [watcher.ws, ws]
    .flatMap((c) => c.pending())
    .flatMap((m) => (m.type === 'plan' && m.plan.version > plan.version ? [m.plan.version] : []));
  assert.deepEqual(later, [], `the plan stays v${plan.version}`);
  for (const p of people) p.ws.socket.close();
});

test('a relay whose page is gone (1001: closed, reloaded, crashed) is replanned around at once; it may return', async () => {
  const { consultationId, people, plan, relay } = await treeWithRelay();
  const watcher = people.find((p) => p !== relay)!;
  const goneAt = Date.now();
  relay.ws.socket.close(1001, 'page gone');
  const shed = await planWithout(watcher, plan, relay);
  const shedMs = Date.now() - goneAt;
  console.log(`MEASURE relay page gone -> plan v${shed.plan.version} without it relaying after ${shedMs} ms`);
  assert.ok(shedMs < RELAY_LOSS_MS, `without waiting out the ${RELAY_LOSS_MS} ms window (${shedMs} ms)`);
  assert.ok(
    shed.plan.edges.some((e) => e.child === relay.id),
    'its place is kept for a reload: the plan still feeds it',
  );
  assertNobodyLeft(watcher);
  // The reloaded page resumes its place.
  await resume(relay, consultationId);
  for (const p of people) p.ws.socket.close();
});

test('a relay whose connection broke without a close frame (1006) gets the shorter window', async () => {
  const { consultationId, people, plan, relay } = await treeWithRelay();
  const watcher = people.find((p) => p !== relay)!;
  const brokenAt = Date.now();
  // The TCP connection ends without a close frame, as the operating system ends a killed browser's.
  await relay.ws.drop();
  const shed = await planWithout(watcher, plan, relay);
  const shedMs = Date.now() - brokenAt;
  console.log(`MEASURE relay connection broken -> plan v${shed.plan.version} without it after ${shedMs} ms`);
  assert.ok(shedMs >= RELAY_BROKEN_MS - 50, `not before the broken window (${shedMs} ms)`);
  assert.ok(shedMs < RELAY_LOSS_MS, `without waiting out the ${RELAY_LOSS_MS} ms drop window (${shedMs} ms)`);
  assert.ok(
    shed.plan.edges.some((e) => e.child === relay.id),
    'its place is kept',
  );
  assertNobodyLeft(watcher);
  await resume(relay, consultationId);
  for (const p of people) p.ws.socket.close();
});

test('a relay whose network vanishes (no close, no pong) is found by the relay heartbeat, then replanned around', async () => {
  const { consultationId, people, plan, relay } = await treeWithRelay();
  const watcher = people.find((p) => p !== relay)!;
  const goneAt = Date.now();
  // The client stops reading its socket: pings go unanswered and nothing is sent, as when its network is gone.
  relay.ws.socket.pause();
  const shed = await planWithout(watcher, plan, relay);
  const shedMs = Date.now() - goneAt;
  console.log(
    `MEASURE relay network gone -> plan v${shed.plan.version} without it relaying after ${shedMs} ms`,
  );
  // Found dead within two relay heartbeats, then the window: well before the 15 s heartbeat everyone else gets.
  // The first ping it misses goes out after the pause, so finding it takes a heartbeat at least; then the whole
  // drop window, not the broken one, though the server's terminate reads as a close without a frame (1006).
  assert.ok(
    shedMs >= RELAY_HEARTBEAT_MS + RELAY_LOSS_MS - 50,
    `a heartbeat, then the whole drop window (${shedMs} ms)`,
  );
  assert.ok(shedMs < 15_000, `found by the relay heartbeat, not the ordinary one (${shedMs} ms)`);
  assert.ok(
    shed.plan.edges.some((e) => e.child === relay.id),
    'its place is kept: a network back within the grace period resumes it',
  );
  assertNobodyLeft(watcher);
  // Its network back, the page resumes its place.
  relay.ws.socket.terminate();
  await resume(relay, consultationId);
  for (const p of people) p.ws.socket.close();
});
