// The latency budget and the receive-latency reports through the real server: a group whose trees need a relay
// hop goes to the SFU with the reason `latency-budget` when the configured budget leaves no room for one, and to
// a tree within a budget that does (its trees then no deeper than the budget allows); a member's
// `receive-latency` report is validated at the edge and kept for the live view (seen through /metrics and the
// admin's live snapshot).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { LiveSnapshot, Plan } from '@consulta/protocol';
import { defaultPolicyConfig } from '@consulta/routing-policy';
import { joinedCall } from '../support/consultation.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { startSmtpCapture } from '../support/smtp.ts';

// Budgets around the measured defaults: one just short of a relay hop, one that fits exactly one.
const { directMs, perRelayHopMs } = defaultPolicyConfig.latency;
const ONE_HOP_MS = directMs + perRelayHopMs;
const NO_HOP_BUDGET = ONE_HOP_MS - 1;
const ONE_HOP_BUDGET = ONE_HOP_MS;

let smtp: Awaited<ReturnType<typeof startSmtpCapture>>;
before(async () => {
  smtp = await startSmtpCapture();
});
after(async () => {
  await smtp?.close();
});

const call = async (server: TestServer, guests: number) =>
  (await joinedCall(server, smtp, guests, { title: 'Latency' })).people;

/**
 * Four desktops at hd; the last one's uplink carries a single copy (3000 x 0.85 headroom = 2550 >= 2500), so
 * its stream must be relayed: its receivers sit 2 hops deep.
 */
async function groupNeedingARelay(server: TestServer): Promise<Plan> {
  const people = await call(server, 3);
  for (const [i, p] of people.entries()) {
    p.ws.send({
      type: 'bandwidth',
      uplinkKbps: i === 3 ? 3_000 : 20_000,
      downlinkKbps: 50_000,
      device: 'desktop',
    });
  }
  const settled = (p: Plan) => p.topology !== 'p2p' && !p.reasons.some((r) => r.code === 'bandwidth-unknown');
  const plan = (await people[0]!.ws.next('plan', (m) => settled(m.plan), 10_000)).plan;
  for (const p of people) p.ws.socket.close();
  return plan;
}

function maxDepth(plan: Plan): number {
  const depth = (stream: string, node: string): number => {
    if (node === stream) return 0;
    const e = plan.edges.find((x) => x.streamId === stream && x.child === node)!;
    return 1 + depth(stream, e.parent);
  };
  return Math.max(...plan.edges.map((e) => depth(e.streamId, e.child)));
}

describe(`a budget with no room for a relay hop (${NO_HOP_BUDGET} ms)`, () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({
      overrides: { email: { smtpUrl: smtp.url }, routing: { latencyBudgetMs: NO_HOP_BUDGET } },
    });
  });
  after(() => server?.close());

  test('the group goes to the SFU, saying latency-budget with the estimate and the budget', async () => {
    const plan = await groupNeedingARelay(server);
    assert.equal(plan.topology, 'sfu');
    assert.deepEqual(plan.reasons[0], { code: 'latency-budget', value: ONE_HOP_MS, limit: NO_HOP_BUDGET });
  });

  test('receive-latency: validated at the edge, kept per member, the worst shown in /metrics', async () => {
    const [doc, guest] = await call(server, 1);
    // Not a report: unknown field, negative figure, too many streams.
    guest!.ws.send({
      type: 'receive-latency',
      streams: [{ streamId: doc!.id, kind: 'video', via: doc!.id, totalMs: -1 }],
    });
    assert.equal((await guest!.ws.next('error')).code, 'MALFORMED_MESSAGE');
    guest!.ws.send({ type: 'receive-latency', streams: [], extra: 1 } as Record<string, unknown>);
    assert.equal((await guest!.ws.next('error')).code, 'MALFORMED_MESSAGE');
    const stream = { streamId: doc!.id, kind: 'audio', via: doc!.id, totalMs: 20 } as const;
    guest!.ws.send({ type: 'receive-latency', streams: Array.from({ length: 33 }, () => stream) });
    assert.equal((await guest!.ws.next('error')).code, 'MALFORMED_MESSAGE');

    guest!.ws.send({
      type: 'receive-latency',
      streams: [
        {
          streamId: doc!.id,
          kind: 'video',
          via: doc!.id,
          jitterBufferMs: 40,
          networkMs: 2,
          decodeMs: 5,
          totalMs: 47,
        },
        { streamId: doc!.id, kind: 'audio', via: doc!.id, jitterBufferMs: 61, networkMs: 2, totalMs: 63 },
      ],
    });
    const worst = async () =>
      /consulta_receive_latency_worst_ms\{topology="p2p"\} (\d+)/.exec(
        await (await fetch(`${server.url}/metrics`)).text(),
      )?.[1];
    // The report is handled in order on the socket: a ping after it answers once it is stored.
    guest!.ws.send({ type: 'ping', t: 1 });
    await guest!.ws.next('pong');
    assert.equal(await worst(), '63');
    // The admin's live view shows it per person (the guest's slowest stream; the doctor sent no report), with
    // the configured budget to judge it by.
    const admin = await server.signedIn('ADMIN');
    const live = (await admin.get<LiveSnapshot>('/api/live')).body;
    assert.equal(live.latencyBudgetMs, Math.round(NO_HOP_BUDGET));
    const entry = live.consultations.find((c) => c.participants.some((p) => p.id === guest!.id));
    const seen = Object.fromEntries(entry!.participants.map((p) => [p.id, p.receiveLatencyMs]));
    assert.deepEqual(seen, { [doc!.id]: null, [guest!.id]: 63 });
    for (const p of [doc!, guest!]) p.ws.socket.close();
  });
});

describe(`a budget with room for one relay hop (${ONE_HOP_BUDGET} ms)`, () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({
      overrides: { email: { smtpUrl: smtp.url }, routing: { latencyBudgetMs: ONE_HOP_BUDGET } },
    });
  });
  after(() => server?.close());

  test('the group goes tree, no path deeper than 2 hops', async () => {
    const plan = await groupNeedingARelay(server);
    assert.equal(plan.topology, 'tree', JSON.stringify(plan.reasons));
    assert.equal(maxDepth(plan), 2);
  });
});
