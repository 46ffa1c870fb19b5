// The media-path record over the real signaling socket (no browser): planned connections open spans that say
// "unknown" until their client reports, a report fills in the route, a changed pair starts a new span, leaving
// closes them; malformed and excessive reports are refused at the edge with typed errors.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Consultation, MediaPathList } from '@consulta/protocol';
import { startTestServer, type TestServer } from '../support/server.ts';
import { SignalingClient } from '../support/signaling-client.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(() => server?.close());

test('spans follow the plan, reports fill in the route, a never-reporting client stays "unknown"', async () => {
  const clinician = await server.signedIn('CLINICIAN');
  const admin = await server.signedIn('ADMIN');
  const consult = (await clinician.post<Consultation>('/api/consultations', { title: 'Paths' })).body;
  const a = await SignalingClient.connect(server.url, clinician.cookieHeader);
  a.send({ type: 'join', consultationId: consult.id });
  const ja = await a.next('joined');
  const b = await SignalingClient.connect(server.url, admin.cookieHeader);
  b.send({ type: 'join', consultationId: consult.id });
  const jb = await b.next('joined');
  await a.next('peer-joined');
  const list = async () =>
    (await admin.get<MediaPathList>(`/api/consultations/${consult.id}/media-paths`)).body.spans;

  const planned = await list();
  assert.deepEqual(
    planned.map((s) => [s.participantId, s.link, s.peerId, s.path, s.topology]).sort(),
    [
      [ja.self.id, 'mesh', jb.self.id, 'unknown', 'p2p'],
      [jb.self.id, 'mesh', ja.self.id, 'unknown', 'p2p'],
    ].sort(),
  );

  // A reports a relayed pair; B never reports.
  const relayed = {
    localType: 'relay',
    remoteType: 'srflx',
    protocol: 'udp',
    relayProtocol: 'udp',
    relayAddress: '127.0.0.1:49160',
  } as const;
  a.send({ type: 'media-path', link: 'mesh', peerId: jb.self.id, streamId: 'p2p-x', pair: relayed });
  a.send({ type: 'ping', t: 1 });
  await a.next('pong');
  const reported = await list();
  const spanA = reported.find((s) => s.participantId === ja.self.id);
  const spanB = reported.find((s) => s.participantId === jb.self.id);
  assert.equal(spanA?.path, 'turn');
  assert.deepEqual(spanA?.pair, relayed);
  assert.ok(spanA?.reportedAt);
  assert.equal(spanB?.path, 'unknown');
  assert.equal(spanB?.reportedAt, null);
  assert.equal(reported.length, 2, 'the first report fills in the planned span');

  // The pair changes (the network moved): the relayed span ends, a direct one starts.
  a.send({
    type: 'media-path',
    link: 'mesh',
    peerId: jb.self.id,
    streamId: 'p2p-x',
    pair: { localType: 'host', remoteType: 'host', protocol: 'udp' },
  });
  a.send({ type: 'ping', t: 2 });
  await a.next('pong');
  const moved = (await list()).filter((s) => s.participantId === ja.self.id);
  assert.deepEqual(
    moved.map((s) => [s.path, s.endedAt === null]),
    [
      ['turn', false],
      ['direct-host', true],
    ],
  );

  // Refused at the edge: an address that is not an IP, a relay address smuggling text, a mesh link without a peer.
  for (const bad of [
    {
      type: 'media-path',
      link: 'mesh',
      peerId: jb.self.id,
      streamId: null,
      pair: { ...relayed, relayAddress: 'evil.example:1' },
    },
    { type: 'media-path', link: 'mesh', peerId: jb.self.id, streamId: null, pair: { ...relayed, extra: 1 } },
  ]) {
    a.sendRaw(JSON.stringify(bad));
    assert.equal((await a.next('error')).code, 'MALFORMED_MESSAGE');
  }
  a.send({ type: 'media-path', link: 'mesh', peerId: null, streamId: null, pair: relayed });
  assert.equal((await a.next('error')).code, 'VALIDATION_FAILED');

  // A flood of reports is cut off by the per-member budget.
  let limited = false;
  for (let i = 0; i < 40 && !limited; i++) {
    a.send({ type: 'media-path', link: 'mesh', peerId: jb.self.id, streamId: null, pair: relayed });
  }
  const err = await a.next('error');
  limited = err.code === 'RATE_LIMITED';
  assert.ok(limited, `flood refused: ${JSON.stringify(err)}`);

  // Leaving closes every open span; reading the record was audited.
  a.send({ type: 'leave' });
  b.send({ type: 'leave' });
  await a.close();
  await b.close();
  const closed = await waitFor(list, (spans) => spans.every((s) => s.endedAt !== null));
  assert.equal(closed.filter((s) => s.path === 'unknown').length, 1, 'B never reported: stated as unknown');
  const reads = await server.db.prisma.auditEvent.count({
    where: { action: 'media-path.read', consultationId: consult.id },
  });
  assert.ok(reads >= 4);
});

async function waitFor<T>(read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) assert.fail(`condition not met: ${JSON.stringify(v)}`);
    // The leave is handled after the socket's close; the route then waits for the queued writes itself.
    await new Promise((r) => setTimeout(r, 100));
  }
}
