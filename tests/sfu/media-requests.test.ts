// The server's SFU requests over the real WebSocket, with the real mediasoup worker, without a browser: the
// session is offered when a room goes to the SFU, transports come back, bad requests get typed errors naming
// their request, leaving the SFU closes the transports, and a server without an SFU keeps large groups on trees.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { joinedCall } from '../support/consultation.ts';
import { MediasoupWatch } from '../support/mediasoup-watch.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { startSmtpCapture } from '../support/smtp.ts';

let smtp: Awaited<ReturnType<typeof startSmtpCapture>>;
const watch = new MediasoupWatch();

before(async () => {
  smtp = await startSmtpCapture();
});
after(async () => {
  await smtp?.close();
});

/** A consult with the clinician and `guests` admitted guests, all joined over the signaling socket. */
const call = (server: TestServer, guests: number) =>
  joinedCall(server, smtp, guests, { title: 'SFU requests' });

describe('SFU requests on a server with the SFU', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({
      overrides: {
        email: { smtpUrl: smtp.url },
        routing: { treeMaxParticipants: 2 },
        media: { migrationGraceSeconds: 30 },
      },
    });
  });
  after(async () => {
    await server?.close();
  });

  test('p2p room: SFU requests are refused with NOT_ON_SFU, naming the request', async () => {
    const { people } = await call(server, 1);
    const [a] = people;
    a!.ws.send({ type: 'sfu-transport-create', requestId: 7, direction: 'send' });
    const error = await a!.ws.next('error', (m) => m.requestId === 7);
    assert.equal(error.code, 'NOT_ON_SFU');
    assert.equal(error.ref, 'sfu-transport-create');
    for (const p of people) await p.ws.close();
  });

  test('a third person puts the room on the SFU: sessions, transports, typed errors, and closing on leaving it', async () => {
    const { people } = await call(server, 2);
    const [a, b, c] = people as [(typeof people)[0], (typeof people)[0], (typeof people)[0]];
    for (const p of people) await p.ws.next('plan', (m) => m.plan.topology === 'sfu');
    const sessions = await Promise.all(people.map((p) => p.ws.next('sfu-session')));
    for (const s of sessions) {
      assert.equal(s.epoch, sessions[0]!.epoch);
      const codecs = (s.routerRtpCapabilities.codecs as Array<{ mimeType: string }>).map((x) => x.mimeType);
      assert.ok(codecs.includes('audio/opus') && codecs.includes('video/VP8'), codecs.join());
    }

    const before = watch.webRtcTransports().length;
    a.ws.send({ type: 'sfu-transport-create', requestId: 1, direction: 'send' });
    a.ws.send({ type: 'sfu-transport-create', requestId: 2, direction: 'recv' });
    const send = await a.ws.next('sfu-transport', (m) => m.requestId === 1);
    const recv = await a.ws.next('sfu-transport', (m) => m.requestId === 2);
    assert.equal(send.direction, 'send');
    assert.ok(send.transport.iceCandidates.length > 0);
    for (const candidate of send.transport.iceCandidates) assert.equal(candidate.address, '127.0.0.1');
    assert.equal(watch.webRtcTransports().length, before + 2);
    const mine = watch.webRtcTransports().slice(before);

    // Bad requests: each answered with a typed error carrying its requestId; the connection carries on.
    a.ws.send({ type: 'sfu-transport-connect', requestId: 3, transportId: 'nope', dtlsParameters: {} });
    assert.equal((await a.ws.next('error', (m) => m.requestId === 3)).code, 'NOT_FOUND');
    a.ws.send({
      type: 'sfu-produce',
      requestId: 4,
      transportId: recv.transport.id,
      kind: 'audio',
      rtpParameters: { codecs: [] },
    });
    assert.equal((await a.ws.next('error', (m) => m.requestId === 4)).code, 'VALIDATION_FAILED');
    a.ws.send({
      type: 'sfu-produce',
      requestId: 5,
      transportId: send.transport.id,
      kind: 'video',
      rtpParameters: { codecs: [{ mimeType: 'video/H265' }], encodings: 'many' },
    });
    assert.equal((await a.ws.next('error', (m) => m.requestId === 5)).code, 'VALIDATION_FAILED');
    a.ws.send({
      type: 'sfu-transport-connect',
      requestId: 6,
      transportId: send.transport.id,
      dtlsParameters: { role: 'sideways', fingerprints: 3 },
    });
    assert.equal((await a.ws.next('error', (m) => m.requestId === 6)).code, 'VALIDATION_FAILED');
    b.ws.send({
      type: 'sfu-transport-connect',
      requestId: 8,
      transportId: send.transport.id,
      dtlsParameters: {},
    });
    assert.equal(
      (await b.ws.next('error', (m) => m.requestId === 8)).code,
      'NOT_FOUND',
      'one member cannot touch another member’s transport',
    );
    a.ws.send({ type: 'ping', t: 1 });
    await a.ws.next('pong');

    // Back to two: the room leaves the SFU; after everyone says sfu-close the transports and router close.
    c.ws.send({ type: 'leave' });
    await a.ws.next('plan', (m) => m.plan.topology === 'p2p');
    assert.ok(
      mine.every((t) => !t.closed),
      'transports stay up while clients migrate off (make before break)',
    );
    a.ws.send({ type: 'sfu-transport-create', requestId: 9, direction: 'send' });
    assert.equal((await a.ws.next('error', (m) => m.requestId === 9)).code, 'NOT_ON_SFU');
    a.ws.send({ type: 'sfu-close' });
    b.ws.send({ type: 'sfu-close' });
    await Promise.all(
      mine.map((t) =>
        t.closed ? undefined : new Promise((r) => t.observer.once('close', () => r(undefined))),
      ),
    );
    assert.ok(mine.every((t) => t.closed));
    assert.ok(watch.liveRouters().length === 0, 'the room’s router closed');
    for (const p of [a, b]) await p.ws.close();
  });
});

describe('a server with the SFU disabled', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({
      overrides: {
        email: { smtpUrl: smtp.url },
        routing: { treeMaxParticipants: 2 },
        media: { enabled: false },
      },
    });
  });
  after(async () => {
    await server?.close();
  });

  test('keeps a large group on trees and answers SFU requests with SFU_UNAVAILABLE', async () => {
    const { people } = await call(server, 2);
    for (const p of people)
      p.ws.send({ type: 'bandwidth', uplinkKbps: 20000, downlinkKbps: 20000, device: 'desktop' });
    const plan = (await people[0]!.ws.next('plan', (m) => m.plan.edges.length > 0)).plan;
    assert.equal(plan.topology, 'tree');
    assert.ok(plan.reasons.some((r) => r.code === 'sfu-unavailable'));
    people[0]!.ws.send({ type: 'sfu-transport-create', requestId: 11, direction: 'recv' });
    const error = await people[0]!.ws.next('error', (m) => m.requestId === 11);
    assert.equal(error.code, 'SFU_UNAVAILABLE');
    for (const p of people) await p.ws.close();
  });
});
