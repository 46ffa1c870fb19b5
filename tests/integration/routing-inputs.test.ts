// What the route planner is fed, through the real server: a TURN-only peer sends one copy of its own stream
// (as the policy's feasibility check and egress estimate assume), and flapping or lying bandwidth reports cannot
// make the server replan without bound nor pick a topology that breaks the call.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Plan } from '@consulta/protocol';
import { joinedCall } from '../support/consultation.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import type { SignalingClient } from '../support/signaling-client.ts';
import { startSmtpCapture } from '../support/smtp.ts';

let server: TestServer;
let smtp: Awaited<ReturnType<typeof startSmtpCapture>>;
const BUDGET = { perMinute: 6, burst: 3 };

before(async () => {
  smtp = await startSmtpCapture();
  server = await startTestServer({
    overrides: { email: { smtpUrl: smtp.url }, routing: { bandwidthChanges: BUDGET } },
  });
});
after(async () => {
  await server?.close();
  await smtp?.close();
});

/** A consult with the clinician and `guests` admitted guests, all joined. */
async function call(guests: number) {
  return (await joinedCall(server, smtp, guests, { title: 'Inputs' })).people;
}

/**
 * The plan that satisfies `check`. Replans are budgeted (BUDGET: a burst of 3, then one per 10 s), so with more
 * reports than the burst the plan that includes them all may come one refill later: wait past that.
 */
const lastPlan = async (client: SignalingClient, check: (p: Plan) => boolean) =>
  (await client.next('plan', (m) => check(m.plan), 30_000)).plan;

test('a TURN-only peer with a big uplink still sends a single copy of its stream in the tree', async () => {
  // Five peers at sd (1000 kbit/s): one TURN-only with 12 Mbit/s up could feed 10 copies, but each would cross
  // our relay. It must send one; the rest of its tree hangs below a direct peer.
  const people = await call(4);
  const turnOnly = people[1]!;
  for (const p of people) {
    p.ws.send({
      type: 'bandwidth',
      uplinkKbps: p === turnOnly ? 12_000 : 20_000,
      downlinkKbps: 8_000,
      relayOnly: p === turnOnly,
      device: 'desktop',
    });
  }
  const plan = await lastPlan(
    people[0]!.ws,
    (p) =>
      p.topology === 'tree' &&
      p.edges.length === 20 &&
      !p.reasons.some((r) => r.code === 'bandwidth-unknown'),
  );
  assert.equal(plan.quality, 'sd');
  const fromTurnOnly = plan.edges.filter((e) => e.parent === turnOnly.id);
  assert.equal(fromTurnOnly.length, 1, `TURN-only peer sends one copy: ${JSON.stringify(fromTurnOnly)}`);
  assert.equal(fromTurnOnly[0]!.streamId, turnOnly.id, 'and only of its own stream');
  // The policy's estimate (n streams per TURN-only peer: n-1 in, one out) matches that plan.
  const turn = plan.reasons.find((r) => r.code === 'turn-relayed' && r.peerId === turnOnly.id);
  assert.equal(turn?.value, 5000, JSON.stringify(plan.reasons));
  for (const p of people) p.ws.send({ type: 'leave' });
});

test('flapping, huge and negative bandwidth reports: a bounded number of replans, the call keeps a valid plan', async () => {
  const people = await call(2);
  const [doc, liar, other] = people as [(typeof people)[0], (typeof people)[0], (typeof people)[0]];
  for (const p of [doc, other]) {
    p.ws.send({ type: 'bandwidth', uplinkKbps: 20_000, downlinkKbps: 50_000, device: 'desktop' });
  }
  liar.ws.send({ type: 'bandwidth', uplinkKbps: 20_000, downlinkKbps: 50_000, device: 'desktop' });
  const settled = await lastPlan(
    doc.ws,
    (p) => p.topology === 'tree' && !p.reasons.some((r) => r.code === 'bandwidth-unknown'),
  );
  const plansBefore = doc.ws.pending().filter((m) => m.type === 'plan').length;

  // 40 reports, one every 100 ms, swinging between nothing and the protocol's maximum, plus a negative one.
  const started = Date.now();
  for (let i = 0; i < 40; i++) {
    const huge = i % 2 === 0;
    liar.ws.send({
      type: 'bandwidth',
      uplinkKbps: huge ? 10_000_000 : 0,
      downlinkKbps: huge ? 10_000_000 : 0,
      device: 'desktop',
    });
    if (i === 20) liar.ws.send({ type: 'bandwidth', uplinkKbps: -5, downlinkKbps: 100, device: 'desktop' });
    await new Promise((r) => setTimeout(r, 100));
  }
  const refused = await liar.ws.next('error', (m) => m.ref === 'bandwidth');
  assert.equal(refused.code, 'MALFORMED_MESSAGE', 'a negative figure is refused at the edge');
  await new Promise((r) => setTimeout(r, 500));
  const elapsedMin = (Date.now() - started) / 60_000;
  const plans = doc.ws
    .pending()
    .filter((m): m is Extract<typeof m, { type: 'plan' }> => m.type === 'plan')
    .slice(plansBefore);
  // Each accepted change can produce at most one plan; the liar's budget is burst + perMinute x elapsed.
  const bound = BUDGET.burst + Math.ceil(BUDGET.perMinute * elapsedMin) + 1;
  assert.ok(plans.length <= bound, `${plans.length} plans for 40 reports (bound ${bound})`);
  // Whatever it settled on keeps the call whole: everyone is in it and each receiver has every stream.
  const latest = plans.at(-1)?.plan ?? settled;
  assert.ok(['p2p', 'tree', 'sfu'].includes(latest.topology));
  if (latest.topology === 'tree') {
    for (const r of people) {
      for (const s of people) {
        if (r === s) continue;
        assert.ok(
          latest.edges.some((e) => e.streamId === s.id && e.child === r.id),
          `receiver ${r.id} gets ${s.id}: ${JSON.stringify(latest.edges)}`,
        );
      }
    }
  }
  console.log(
    `MEASURE 40 flapping reports in ${(elapsedMin * 60).toFixed(1)} s -> ${plans.length} plans (bound ${bound})`,
  );
  for (const p of people) p.ws.send({ type: 'leave' });
});
