// Presence over time: the grace period runs out, clean leaves, replaced connections, per-address sign-in limits.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Consultation, ErrorBody } from '@consulta/protocol';
import { HttpClient } from '../support/http.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { SignalingClient } from '../support/signaling-client.ts';

let server: TestServer;

before(async () => {
  server = await startTestServer({
    overrides: {
      signaling: { reconnectGraceSeconds: 0.5 },
      auth: {
        signInLimits: { perAddress: { max: 12, windowSeconds: 60 } },
      },
    },
  });
});
after(() => server?.close());

async function roomOfTwo() {
  const clinician = await server.signedIn('CLINICIAN');
  const admin = await server.signedIn('ADMIN');
  const consult = (await clinician.post<Consultation>('/api/consultations', { title: 'Presence' })).body;
  const a = await SignalingClient.connect(server.url, clinician.cookieHeader);
  a.send({ type: 'join', consultationId: consult.id });
  const ja = await a.next('joined');
  const b = await SignalingClient.connect(server.url, admin.cookieHeader);
  b.send({ type: 'join', consultationId: consult.id });
  const jb = await b.next('joined');
  await a.next('peer-joined');
  return { consult, clinician, admin, a, b, ja, jb };
}

test('after the grace period a dropped peer is gone, and its resume token no longer works', async () => {
  const { consult, admin, a, b, jb } = await roomOfTwo();
  await b.drop();
  const left = await a.next('peer-left');
  assert.deepEqual(left, { type: 'peer-left', peerId: jb.self.id, reason: 'timeout' });
  const late = await SignalingClient.connect(server.url, admin.cookieHeader);
  late.send({ type: 'join', consultationId: consult.id, resumeToken: jb.resumeToken });
  assert.equal((await late.next('error')).code, 'RESUME_FAILED');
  // Joining afresh works and others see a new arrival.
  late.send({ type: 'join', consultationId: consult.id });
  assert.equal((await late.next('joined')).resumed, false);
  assert.equal((await a.next('peer-joined')).peer.id, jb.self.id);
  await a.close();
  await late.close();
});

test('a clean leave is seen at once; a second tab replaces the first', async () => {
  const { consult, clinician, a, b, ja, jb } = await roomOfTwo();
  b.send({ type: 'leave' });
  assert.deepEqual(await a.next('peer-left'), { type: 'peer-left', peerId: jb.self.id, reason: 'left' });
  const secondTab = await SignalingClient.connect(server.url, clinician.cookieHeader);
  secondTab.send({ type: 'join', consultationId: consult.id });
  await secondTab.next('joined');
  const closed = await a.closed;
  assert.equal(closed.code, 4001);
  const row = await server.db.prisma.participant.findUniqueOrThrow({ where: { id: ja.self.id } });
  assert.ok(row.joinedAt);
  await b.close();
  await secondTab.close();
});

test('bandwidth reports reach the others and the database', async () => {
  const { a, b, ja } = await roomOfTwo();
  a.send({ type: 'bandwidth', uplinkKbps: 2500, downlinkKbps: 8000 });
  const updated = await b.next('peer-updated');
  assert.equal(updated.peer.uplinkKbps, 2500);
  a.send({ type: 'ping', t: 0 });
  await a.next('pong');
  const row = await server.db.prisma.participant.findUniqueOrThrow({ where: { id: ja.self.id } });
  assert.equal(row.uplinkKbps, 2500);
  assert.equal(row.downlinkKbps, 8000);
  await a.close();
  await b.close();
});

test('a flood of bandwidth reports is written once per interval; the last figure is written on leave', async () => {
  const { a, b, ja } = await roomOfTwo();
  const row = () => server.db.prisma.participant.findUniqueOrThrow({ where: { id: ja.self.id } });
  a.send({ type: 'bandwidth', uplinkKbps: 1000, downlinkKbps: 4000 });
  await b.next('peer-updated', (m) => m.peer.uplinkKbps === 1000);
  // Within MEASUREMENT_WRITE_MS (10 s) of that write: others hear each report, the database keeps the first.
  for (const up of [1100, 1200, 1300]) {
    a.send({ type: 'bandwidth', uplinkKbps: up, downlinkKbps: 4000 + up });
    await b.next('peer-updated', (m) => m.peer.uplinkKbps === up);
  }
  assert.equal((await row()).uplinkKbps, 1000);
  a.send({ type: 'leave' });
  await b.next('peer-left');
  const left = await row();
  assert.ok(left.leftAt);
  assert.deepEqual([left.uplinkKbps, left.downlinkKbps], [1300, 5300]);
  await a.close();
  await b.close();
});

test('sign-in is rate limited per address across accounts', async () => {
  const anon = new HttpClient(server.url);
  let status = 0;
  for (let i = 0; i < 20 && status !== 429; i++) {
    status = (await anon.post('/api/auth/sign-in', { email: `spray${i}@example.test`, password: 'x' }))
      .status;
  }
  assert.equal(status, 429);
  const res = await anon.post<ErrorBody>('/api/auth/sign-in', {
    email: 'another@example.test',
    password: 'x',
  });
  assert.equal(res.body.error.code, 'RATE_LIMITED');
});
