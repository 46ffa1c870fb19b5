// Bad input of every kind gets a clear, typed error, and nothing else breaks.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Consultation, ErrorBody, Invite, OpenInviteReply } from '@consulta/protocol';
import { HttpClient } from '../support/http.ts';
import { serverWithMail } from '../support/server-with-mail.ts';
import { SignalingClient } from '../support/signaling-client.ts';

const env = serverWithMail({
  auth: {
    signInLimits: { perAddress: { max: 1000, windowSeconds: 60 } },
  },
  signaling: { maxMessageBytes: 4096, rateLimit: { perSecond: 20, burst: 40 } },
});

const codeOf = (body: unknown) => (body as ErrorBody).error.code;

/** A consult with one invited patient; returns the emailed token. */
async function consultWithInvite(clinician: HttpClient) {
  const consult = (await clinician.post<Consultation>('/api/consultations', { title: 'Check-up' })).body;
  const invite = (
    await clinician.post<Invite>(`/api/consultations/${consult.id}/invites`, {
      email: 'p@example.test',
      displayName: 'P',
    })
  ).body;
  const mail = await env.smtp.nextMessage();
  const token = /\/join#([A-Za-z0-9_-]+)/.exec(mail.text ?? '')![1]!;
  return { consult, invite, token };
}

describe('HTTP', () => {
  test('wrong password and unknown account look the same', async () => {
    await env.server.signedIn('CLINICIAN');
    const anon = new HttpClient(env.server.url);
    const wrong = await anon.post('/api/auth/sign-in', { email: 'nobody@example.test', password: 'x' });
    assert.equal(wrong.status, 401);
    assert.equal(codeOf(wrong.body), 'INVALID_CREDENTIALS');
  });

  test('guessing one account from one address is slowed after five failures', async () => {
    const anon = new HttpClient(env.server.url);
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++)
      statuses.push(
        (await anon.post('/api/auth/sign-in', { email: 'target@example.test', password: `guess${i}` }))
          .status,
      );
    // Five free failures, the sixth is checked (and imposes a first wait), the seventh waits.
    assert.deepEqual(statuses.slice(0, 6), [401, 401, 401, 401, 401, 401]);
    assert.equal(statuses[6], 429);
    const limited = await anon.post('/api/auth/sign-in', { email: 'target@example.test', password: 'guess' });
    assert.equal(codeOf(limited.body), 'RATE_LIMITED');
    assert.ok(Number(limited.headers.get('retry-after')) > 0);
  });

  test('malformed bodies are rejected with VALIDATION_FAILED, unknown fields included', async () => {
    const clinician = await env.server.signedIn('CLINICIAN');
    const notJson = await clinician.request('POST', '/api/consultations', '{"title":');
    assert.equal(notJson.status, 400);
    const extra = await clinician.post('/api/consultations', { title: 'x', clinicianId: 'someone-else' });
    assert.equal(extra.status, 400);
    assert.equal(codeOf(extra.body), 'VALIDATION_FAILED');
    const badEmail = await clinician.post('/api/consultations/abc/invites', {
      email: 'not-an-email',
      displayName: 'x',
    });
    assert.equal(codeOf(badEmail.body), 'VALIDATION_FAILED');
  });

  test('roles are enforced: patients and admins cannot create consults, strangers see nothing', async () => {
    const clinician = await env.server.signedIn('CLINICIAN');
    const other = await env.server.signedIn('CLINICIAN');
    const admin = await env.server.signedIn('ADMIN');
    const { consult } = await consultWithInvite(clinician);
    assert.equal((await new HttpClient(env.server.url).get('/api/consultations')).status, 401);
    assert.equal((await admin.post('/api/consultations', { title: 'x' })).status, 403);
    const peek = await other.get(`/api/consultations/${consult.id}`);
    assert.equal(peek.status, 404, "another clinician's consult does not exist for them");
    assert.equal(
      (await other.post(`/api/consultations/${consult.id}/invites`, { email: 'a@b.test', displayName: 'A' }))
        .status,
      404,
    );
    assert.equal((await admin.get(`/api/consultations/${consult.id}`)).status, 200, 'admins oversee');
  });

  test('forged, revoked and expired invite tokens are refused distinctly', async () => {
    const clinician = await env.server.signedIn('CLINICIAN');
    const anon = new HttpClient(env.server.url);
    const forged = await anon.post('/api/invites/open', { token: 'A'.repeat(43) });
    assert.equal(codeOf(forged.body), 'INVITE_INVALID');

    const { consult, invite, token } = await consultWithInvite(clinician);
    const patient = new HttpClient(env.server.url);
    assert.equal((await patient.post<OpenInviteReply>('/api/invites/open', { token })).status, 200);
    const revoked = await clinician.delete<Invite>(`/api/consultations/${consult.id}/invites/${invite.id}`);
    assert.ok(revoked.body.revokedAt);
    assert.equal(codeOf((await anon.post('/api/invites/open', { token })).body), 'INVITE_REVOKED');
    // The guest session that came from it is gone too.
    assert.equal((await patient.get('/api/auth/me')).status, 401);

    const second = await consultWithInvite(clinician);
    await env.server.db.prisma.invite.update({
      where: { id: second.invite.id },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    const expired = await anon.post('/api/invites/open', { token: second.token });
    assert.equal(expired.status, 410);
    assert.equal(codeOf(expired.body), 'INVITE_EXPIRED');
  });

  test('internal failures do not leak', async () => {
    const res = await new HttpClient(env.server.url).get('/no/such/route');
    assert.equal(res.status, 404);
    assert.equal(codeOf(res.body), 'NOT_FOUND');
  });
});

describe('WebSocket', () => {
  test('unauthenticated sockets are closed with a reason', async () => {
    const socket = await SignalingClient.connect(env.server.url, '');
    const { code } = await socket.closed;
    assert.equal(code, 4401);
  });

  test("a page on another origin cannot use a signed-in clinician's cookies", async () => {
    const clinician = await env.server.signedIn('CLINICIAN');
    const evil = await SignalingClient.connect(
      env.server.url,
      clinician.cookieHeader,
      'https://evil.example',
    );
    assert.equal((await evil.closed).code, 4403);
    const own = await SignalingClient.connect(env.server.url, clinician.cookieHeader, env.server.url);
    own.send({ type: 'ping', t: 1 });
    await own.next('pong');
    await own.close();
  });

  test('malformed, oversized and foreign-room messages get typed errors; the connection survives', async () => {
    const clinician = await env.server.signedIn('CLINICIAN');
    const { consult, token } = await consultWithInvite(clinician);
    const other = await consultWithInvite(await env.server.signedIn('CLINICIAN'));
    const patient = new HttpClient(env.server.url);
    await patient.post('/api/invites/open', { token });
    const ws = await SignalingClient.connect(env.server.url, patient.cookieHeader);

    ws.sendRaw('{nope');
    assert.equal((await ws.next('error')).code, 'MALFORMED_MESSAGE');
    ws.sendRaw(JSON.stringify({ type: 'join', consultationId: consult.id, extra: 1 }));
    const extra = await ws.next('error');
    assert.equal(extra.code, 'MALFORMED_MESSAGE');
    assert.equal(extra.ref, 'join');
    ws.sendRaw(JSON.stringify({ type: 'chat', text: 'x'.repeat(6000) }));
    assert.equal((await ws.next('error')).code, 'MESSAGE_TOO_LARGE');

    // The patient addresses another consultation's room.
    ws.send({ type: 'join', consultationId: other.consult.id });
    assert.equal((await ws.next('error')).code, 'FORBIDDEN');
    ws.send({ type: 'signal', to: 'someone', streamId: 'x', data: { kind: 'candidate', candidate: null } });
    assert.equal((await ws.next('error')).code, 'NOT_IN_ROOM');

    // Still usable after all that.
    ws.send({ type: 'join', consultationId: consult.id });
    await ws.next('waiting');
    await ws.close();
  });

  test('a joined peer cannot address peers outside its room', async () => {
    const a = await env.server.signedIn('CLINICIAN');
    const b = await env.server.signedIn('CLINICIAN');
    const ca = (await a.post<Consultation>('/api/consultations', { title: 'A' })).body;
    const cb = (await b.post<Consultation>('/api/consultations', { title: 'B' })).body;
    const wa = await SignalingClient.connect(env.server.url, a.cookieHeader);
    const wb = await SignalingClient.connect(env.server.url, b.cookieHeader);
    wa.send({ type: 'join', consultationId: ca.id });
    wb.send({ type: 'join', consultationId: cb.id });
    const ja = await wa.next('joined');
    const jb = await wb.next('joined');
    wa.send({
      type: 'signal',
      to: jb.self.id,
      streamId: ja.self.id,
      data: { kind: 'candidate', candidate: null },
    });
    assert.equal((await wa.next('error')).code, 'UNKNOWN_PEER');
    // The only reply b gets to a ping is its pong: nothing from a leaked through.
    wb.send({ type: 'ping', t: 7 });
    await wb.next('pong');
    assert.deepEqual(
      wb.pending().filter((m) => m.type === 'signal'),
      [],
    );
    // b cannot join a's room either.
    wb.send({ type: 'leave' });
    wb.send({ type: 'join', consultationId: ca.id });
    assert.equal((await wb.next('error')).code, 'NOT_FOUND');
    await wa.close();
    await wb.close();
  });

  test('a flood is throttled with RATE_LIMITED and the server keeps serving', async () => {
    const clinician = await env.server.signedIn('CLINICIAN');
    const ws = await SignalingClient.connect(env.server.url, clinician.cookieHeader);
    for (let i = 0; i < 500; i++) ws.send({ type: 'ping', t: i });
    const limited = await ws.next('error', (m) => m.code === 'RATE_LIMITED');
    assert.match(limited.message, /Too many messages/);
    // Replies were capped near the burst size, not 500.
    await new Promise((r) => setTimeout(r, 100));
    const pongs = ws.pending().filter((m) => m.type === 'pong').length;
    assert.ok(pongs <= 45, `pongs: ${pongs}`);
    // Another client is unaffected.
    const other = await SignalingClient.connect(
      env.server.url,
      (await env.server.signedIn('CLINICIAN')).cookieHeader,
    );
    other.send({ type: 'ping', t: 1 });
    await other.next('pong');
    await ws.close();
    await other.close();
  });

  test('frames past the hard limit close the socket (1009) without harming others', async () => {
    const clinician = await env.server.signedIn('CLINICIAN');
    const ws = await SignalingClient.connect(env.server.url, clinician.cookieHeader);
    ws.sendRaw('x'.repeat(4096 * 4 + 10));
    assert.equal((await ws.closed).code, 1009);
    const health = await new HttpClient(env.server.url).get('/healthz');
    assert.equal(health.status, 200);
  });
});
