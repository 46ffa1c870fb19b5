// The routing policy and tree planner, driven through the real server by membership and bandwidth changes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Plan } from '@consulta/protocol';
import { joinedCall } from '../support/consultation.ts';
import { serverWithMail } from '../support/server-with-mail.ts';
import type { SignalingClient } from '../support/signaling-client.ts';

const env = serverWithMail();

/** A consult with the clinician and `guests` admitted guests, all joined. */
const call = (guests: number) => joinedCall(env.server, env.smtp, guests);

/** Waits until `client` has received a plan satisfying `check`, returning it. */
async function planWhere(client: SignalingClient, check: (p: Plan) => boolean): Promise<Plan> {
  return (await client.next('plan', (m) => check(m.plan), 5000)).plan;
}

test('three well-connected people get a streaming tree: every receiver has one parent per sender', async () => {
  const { people } = await call(2);
  for (const p of people)
    p.ws.send({ type: 'bandwidth', uplinkKbps: 6000, downlinkKbps: 20000, device: 'desktop' });
  const plan = await planWhere(people[0]!.ws, (p) => p.topology === 'tree' && p.edges.length > 0);
  assert.ok(plan.reasons.length > 0);
  const ids = people.map((p) => p.id);
  for (const sender of ids) {
    for (const receiver of ids.filter((id) => id !== sender)) {
      const parents = plan.edges.filter((e) => e.streamId === sender && e.child === receiver);
      assert.equal(parents.length, 1, `${receiver} gets ${sender}'s stream from exactly one parent`);
    }
  }
  assert.equal(plan.edges.length, ids.length * (ids.length - 1));
  // Everyone got the same plan.
  for (const p of people.slice(1))
    assert.deepEqual(await planWhere(p.ws, (x) => x.version === plan.version), plan);

  // Back to two: the call goes p2p.
  people[2]!.ws.send({ type: 'leave' });
  const p2p = await planWhere(people[0]!.ws, (p) => p.topology === 'p2p' && p.version > plan.version);
  assert.deepEqual(p2p.edges, []);
  for (const p of people) await p.ws.close();
});

test('when nobody can relay, a group goes to the SFU and says why', async () => {
  const { people, consult } = await call(2);
  for (const p of people)
    p.ws.send({ type: 'bandwidth', uplinkKbps: 300, downlinkKbps: 20000, device: 'mobile' });
  const plan = await planWhere(people[1]!.ws, (p) => p.topology === 'sfu');
  assert.deepEqual(plan.edges, []);
  assert.ok(
    plan.reasons.some((r) => r.code !== 'kept-previous'),
    JSON.stringify(plan.reasons),
  );
  const row = await env.server.db.prisma.consultation.findUniqueOrThrow({ where: { id: consult.id } });
  assert.equal(row.topology, 'sfu');
  for (const p of people) await p.ws.close();
});

test('a plan is re-sent when only a later reason changes, and not when nothing changes', async () => {
  const { people } = await call(1);
  const [doc, guest] = people as [(typeof people)[0], (typeof people)[0]];
  const report = (downlinkKbps: number) =>
    guest.ws.send({ type: 'bandwidth', uplinkKbps: 20_000, downlinkKbps, device: 'desktop' });
  const limitedTo = (p: Plan) => p.reasons.find((r) => r.code === 'quality-limited' && r.peerId === guest.id);
  // The guest's downlink holds the call below hd: two-party first, the guest's limit later in the list.
  report(2200);
  const first = await planWhere(doc.ws, (p) => limitedTo(p) !== undefined);
  // A slightly better downlink: same topology, quality and first reason; only the later figure moves.
  report(2400);
  const second = await planWhere(doc.ws, (p) => p.version > first.version);
  assert.equal(second.topology, first.topology);
  assert.equal(second.quality, first.quality);
  assert.deepEqual(second.reasons[0], first.reasons[0]);
  assert.notEqual(limitedTo(second)?.value, limitedTo(first)?.value, JSON.stringify(second.reasons));
  // The same report again changes nothing and sends nothing: the next plan is the one the next change makes.
  report(2400);
  report(2100);
  const third = await planWhere(doc.ws, (p) => p.version > second.version);
  assert.equal(third.version, second.version + 1, 'no plan for the identical report');
  assert.notEqual(limitedTo(third)?.value, limitedTo(second)?.value);
  for (const p of people) await p.ws.close();
});

test('a two-person call whose direct path loses media goes through the SFU, and back once the legs are clean', async () => {
  const { people } = await call(1);
  const [doc, guest] = people as [(typeof people)[0], (typeof people)[0]];
  const report = (who: typeof doc, receiveLossPercent?: number) =>
    who.ws.send({
      type: 'bandwidth',
      uplinkKbps: 3000,
      downlinkKbps: 10_000,
      device: 'laptop',
      ...(receiveLossPercent === undefined ? {} : { receiveLossPercent }),
    });
  report(doc, 0.4);
  const direct = await planWhere(guest.ws, (p) => p.topology === 'p2p' && p.reasons[0]?.code === 'two-party');
  // The guest's receiver counts 5.3 % of the direct path's media lost (the network lab's 4G + weak mobile call).
  report(guest, 5.3);
  const lossy = await planWhere(doc.ws, (p) => p.version > direct.version && p.topology === 'sfu');
  assert.deepEqual(lossy.reasons[0], { code: 'lossy-path', topology: 'sfu', value: 5.3, limit: 2.5 });
  // Through the SFU each reports its own leg: 1 % + 1 % would still lose 2 % directly, so the call stays ...
  report(doc, 1);
  report(guest, 1);
  const kept = await planWhere(doc.ws, (p) => p.version > lossy.version && p.reasons[0]?.value === 2);
  assert.deepEqual(kept.reasons[0], { code: 'lossy-path', topology: 'sfu', value: 2, limit: 1.5 });
  // ... and goes back once the legs together lose under 1.5 %.
  report(guest, 0.2);
  const back = await planWhere(doc.ws, (p) => p.version > kept.version && p.topology === 'p2p');
  assert.equal(back.reasons[0]?.code, 'two-party');
  // A figure out of range is refused at the edge with a typed error, and changes nothing.
  guest.ws.send({
    type: 'bandwidth',
    uplinkKbps: 3000,
    downlinkKbps: 10_000,
    receiveLossPercent: 140,
  } as never);
  const refusal = await guest.ws.next('error', () => true, 5000);
  assert.equal(refusal.code, 'MALFORMED_MESSAGE');
  for (const p of people) await p.ws.close();
});
