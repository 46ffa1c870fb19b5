// One plan per join: a newcomer's bandwidth, sent with its `join` (or from the waiting room), is in force before
// the plan that includes it, through the real server. Before, every join made a plan without the newcomer's
// figures ("bandwidth-unknown") and a second one when its first report followed `joined`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BandwidthReport, ServerMessage } from '@consulta/protocol';
import { createConsultation, inviteAndOpen } from '../support/consultation.ts';
import { serverWithMail } from '../support/server-with-mail.ts';
import { SignalingClient } from '../support/signaling-client.ts';

const env = serverWithMail();

const desktop: BandwidthReport = { uplinkKbps: 20_000, downlinkKbps: 50_000, device: 'desktop' };
const plans = (ms: ServerMessage[]) => ms.flatMap((m) => (m.type === 'plan' ? [m.plan] : []));

test('a newcomer that sends its bandwidth with join or from the waiting room gets one plan, made with it', async () => {
  const clinician = await env.server.signedIn('CLINICIAN');
  const consult = await createConsultation(clinician, 'One plan per join');
  const doc = await SignalingClient.connect(env.server.url, clinician.cookieHeader);
  doc.send({ type: 'join', consultationId: consult.id, bandwidth: desktop });
  const docJoined = await doc.next('joined');
  assert.equal(docJoined.self.uplinkKbps, desktop.uplinkKbps, 'the join carried the clinician its figures');
  let lastVersion = docJoined.plan.version;

  const admit = async (how: 'with-join' | 'while-waiting') => {
    const guest = await inviteAndOpen(env.server, env.smtp, clinician, consult.id, { role: 'FAMILY' });
    const id = guest.opened.guest.participantId;
    const ws = await SignalingClient.connect(env.server.url, guest.http.cookieHeader);
    ws.send({
      type: 'join',
      consultationId: consult.id,
      ...(how === 'with-join' ? { bandwidth: desktop } : {}),
    });
    await ws.next('waiting');
    // From the waiting room the report is kept for the plan made on admission (it used to be refused).
    if (how === 'while-waiting') ws.send({ type: 'bandwidth', ...desktop });
    await doc.next('lobby', (m) => m.waiting.some((p) => p.id === id));
    const latest = Math.max(lastVersion, ...plans(doc.pending()).map((p) => p.version));
    doc.send({ type: 'admit', participantId: id });
    const joined = await ws.next('joined');
    await doc.next('peer-joined', (m) => m.peer.id === id);
    // The first plan after the admission, which must already be complete.
    const plan = (await doc.next('plan', (m) => m.plan.version > latest)).plan;
    lastVersion = plan.version;
    assert.equal(plan.version, latest + 1);
    assert.ok(!ws.pending().some((m) => m.type === 'error'), JSON.stringify(ws.pending()));
    return { id, ws, joined, plan };
  };

  const first = await admit('with-join');
  // Two people: p2p, and nobody's bandwidth is unknown in the one plan the join made.
  assert.equal(first.plan.topology, 'p2p');
  assert.ok(
    !first.plan.reasons.some((r) => r.code === 'bandwidth-unknown'),
    JSON.stringify(first.plan.reasons),
  );

  const second = await admit('while-waiting');
  // The 2 -> 3 switch: the first plan with the newcomer is already the tree for three well-connected people.
  assert.equal(second.plan.topology, 'tree', JSON.stringify(second.plan));
  assert.equal(second.plan.edges.length, 6);
  assert.ok(
    !second.plan.reasons.some((r) => r.code === 'bandwidth-unknown'),
    JSON.stringify(second.plan.reasons),
  );
  // The newcomer got it too, and its figures reached the others as they were told of it.
  const seen = await second.ws.next('plan', (m) => m.plan.version === second.plan.version);
  assert.deepEqual(seen.plan, second.plan);
  assert.equal(second.joined.self.uplinkKbps, desktop.uplinkKbps);

  // Nobody reports anything more, so no second plan follows: a background replan of a settled tree changes
  // nothing. The clinician's next plan is the one the leave makes.
  first.ws.send({ type: 'leave' });
  await doc.next('peer-left', (m) => m.peerId === first.id);
  const afterLeave = (await doc.next('plan', (m) => m.plan.version > second.plan.version)).plan;
  assert.equal(afterLeave.version, second.plan.version + 1, 'no plan between the join and the leave');
  assert.equal(afterLeave.topology, 'p2p');
  for (const ws of [doc, second.ws]) await ws.close();
});
