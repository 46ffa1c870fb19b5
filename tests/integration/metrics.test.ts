// GET /metrics on the real server: who may read it (loopback without a token, the bearer token with one, never a
// forwarded address), and that a consultation's life shows in it: live consultation and participants, the plan
// sent and its reasons, signaling sockets and messages both ways, TURN credentials, errors over HTTP and WebSocket.
// The SFU's per-worker producer/consumer counts are checked against a real mediasoup worker.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Consultation, Invite, OpenInviteReply } from '@consulta/protocol';
import { SfuUsage } from '../../apps/server/src/metrics/sfu-usage.ts';
import { HttpClient } from '../support/http.ts';
import { MEDIA_CODECS, startWorker } from '../support/rtp-source.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { serverWithMail } from '../support/server-with-mail.ts';
import { SignalingClient } from '../support/signaling-client.ts';

/** The value of one sample, `name{labels}` exactly as Prometheus' text format writes it; undefined if absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('/metrics access', () => {
  let open: TestServer;
  let guarded: TestServer;
  const token = 'metrics-token-0123456789abcdef';
  before(async () => {
    open = await startTestServer();
    guarded = await startTestServer({ overrides: { metrics: { token } } });
  });
  after(async () => {
    await open?.close();
    await guarded?.close();
  });

  test('without a token: served to loopback, refused to any other peer even with X-Forwarded-For', async () => {
    const local = await fetch(`${open.url}/metrics`);
    assert.equal(local.status, 200);
    assert.match(local.headers.get('content-type') ?? '', /^text\/plain/);
    assert.match(await local.text(), /# TYPE consulta_consultations_live gauge/);

    const remote = await open.app.inject({
      method: 'GET',
      url: '/metrics',
      remoteAddress: '203.0.113.9',
      headers: { 'x-forwarded-for': '127.0.0.1' },
    });
    assert.equal(remote.statusCode, 403);
    assert.equal(remote.json().error.code, 'FORBIDDEN');
  });

  test('with a token: only the bearer token opens it', async () => {
    assert.equal((await fetch(`${guarded.url}/metrics`)).status, 401);
    const wrong = await fetch(`${guarded.url}/metrics`, { headers: { authorization: 'Bearer nope' } });
    assert.equal(wrong.status, 401);
    assert.equal(((await wrong.json()) as { error: { code: string } }).error.code, 'UNAUTHENTICATED');
    const right = await guarded.app.inject({
      method: 'GET',
      url: '/metrics',
      remoteAddress: '203.0.113.9',
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(right.statusCode, 200);
  });
});

describe('/metrics follows a consultation', () => {
  const env = serverWithMail();
  const scrape = async () => (await fetch(`${env.server.url}/metrics`)).text();

  test('consultations, participants, plans, signaling, TURN credentials and errors', async () => {
    const idle = await scrape();
    assert.equal(sample(idle, 'consulta_consultations_live{topology="p2p"}'), 0);
    assert.equal(sample(idle, 'consulta_websocket_connections'), 0);

    const clinician = await env.server.signedIn('CLINICIAN', 'Dr. Metrics');
    const consult = (await clinician.post<Consultation>('/api/consultations', { title: 'Metrics' })).body;
    const invite = await clinician.post<Invite>(`/api/consultations/${consult.id}/invites`, {
      email: 'metrics@example.test',
      displayName: 'Pat Metrics',
    });
    assert.equal(invite.status, 201);
    const mail = await env.smtp.nextMessage();
    const token = /\/join#([A-Za-z0-9_-]+)/.exec(mail.text ?? '')![1]!;
    const patient = new HttpClient(env.server.url);
    assert.equal((await patient.post<OpenInviteReply>('/api/invites/open', { token })).status, 200);
    assert.equal((await patient.get('/api/turn/credentials')).status, 200);
    assert.equal(
      (
        await new HttpClient(env.server.url).post('/api/auth/sign-in', {
          email: 'x@y.z',
          password: 'wrong-password',
        })
      ).status,
      401,
    );

    const doc = await SignalingClient.connect(env.server.url, clinician.cookieHeader);
    doc.send({ type: 'join', consultationId: consult.id });
    const docJoined = await doc.next('joined');
    const pat = await SignalingClient.connect(env.server.url, patient.cookieHeader);
    pat.send({ type: 'join', consultationId: consult.id });
    await pat.next('waiting');
    const waiting = await scrape();
    assert.equal(sample(waiting, 'consulta_participants_live{state="waiting"}'), 1);
    assert.equal(sample(waiting, 'consulta_participants_live{state="in_call"}'), 1);
    // A waiting guest may not signal: an error reply over the socket.
    pat.send({
      type: 'signal',
      to: docJoined.self.id,
      streamId: 'x',
      data: { kind: 'candidate', candidate: null },
    });
    assert.equal((await pat.next('error')).code, 'NOT_ADMITTED');
    pat.sendRaw('not json');
    await pat.next('error');
    const lobby = await doc.next('lobby', (m) => m.waiting.length === 1);
    doc.send({ type: 'admit', participantId: lobby.waiting[0]!.id });
    await pat.next('joined');
    await doc.next('plan', (m) => m.plan.topology === 'p2p' && m.plan.version >= 1);

    const live = await scrape();
    assert.equal(sample(live, 'consulta_consultations_live{topology="p2p"}'), 1);
    assert.equal(sample(live, 'consulta_participants_live{state="in_call"}'), 2);
    assert.equal(sample(live, 'consulta_participants_live{state="waiting"}'), 0);
    assert.ok((sample(live, 'consulta_plans_sent_total{topology="p2p"}') ?? 0) >= 1);
    assert.match(live, /^consulta_plan_reasons_total\{reason="[a-z-]+"\} [1-9]/m);
    assert.equal(sample(live, 'consulta_websocket_connections'), 2);
    assert.equal(sample(live, 'consulta_websocket_connections_total'), 2);
    assert.equal(sample(live, 'consulta_websocket_messages_total{direction="in",type="join"}'), 2);
    assert.equal(sample(live, 'consulta_websocket_messages_total{direction="in",type="invalid"}'), 1);
    assert.equal(sample(live, 'consulta_websocket_messages_total{direction="out",type="joined"}'), 2);
    assert.equal(sample(live, 'consulta_turn_credentials_issued_total'), 1);
    assert.equal(sample(live, 'consulta_errors_total{transport="http",code="INVALID_CREDENTIALS"}'), 1);
    assert.equal(sample(live, 'consulta_errors_total{transport="websocket",code="NOT_ADMITTED"}'), 1);
    assert.equal(sample(live, 'consulta_errors_total{transport="websocket",code="MALFORMED_MESSAGE"}'), 1);
    assert.equal(sample(live, 'consulta_recordings_running'), 0);
    // The test profile runs one SFU worker (MEDIASOUP_WORKER_BIN from scripts/run-tests.mjs), idle here.
    assert.equal(sample(live, 'consulta_sfu_workers'), 1);
    assert.equal(sample(live, 'consulta_sfu_worker_load{worker="0"}'), 0);
    assert.ok(sample(live, 'consulta_process_resident_memory_bytes')! > 0);

    await doc.close();
    await pat.close();
    await clinician.post(`/api/consultations/${consult.id}/end`);
    const ended = await scrape();
    assert.equal(sample(ended, 'consulta_consultations_live{topology="p2p"}'), 0);
    assert.equal(sample(ended, 'consulta_websocket_connections'), 0);
  });
});

describe('SFU usage per worker', () => {
  test('counts producers and consumers on a real mediasoup worker as they come and go', async () => {
    const worker = await startWorker();
    try {
      const usage = new SfuUsage();
      const pooled = { slot: 0, worker, webRtcServer: null as never, load: 0 };
      usage.attach([pooled]);
      const router = await worker.createRouter({ mediaCodecs: MEDIA_CODECS });
      const send = await router.createPlainTransport({ listenIp: '127.0.0.1', comedia: true });
      const producer = await send.produce({
        kind: 'audio',
        rtpParameters: {
          codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2 }],
          encodings: [{ ssrc: 1111 }],
        },
      });
      const receive = await router.createPlainTransport({ listenIp: '127.0.0.1', comedia: true });
      const consumer = await receive.consume({
        producerId: producer.id,
        rtpCapabilities: router.rtpCapabilities,
      });
      assert.deepEqual(usage.of(pooled), { producers: 1, consumers: 1 });
      consumer.close();
      assert.deepEqual(usage.of(pooled), { producers: 1, consumers: 0 });
      send.close();
      assert.deepEqual(usage.of(pooled), { producers: 0, consumers: 0 });
    } finally {
      worker.close();
    }
  });
});
