// Every socket belongs to a session, and every event that ends a session closes all of its sockets at once with
// the documented close code: a revoked guest cannot get back in through a second socket, signing out ends staff
// and guest sessions alike, denial and the end of the consultation end guests' sessions. Real server, real
// WebSocket, real SMTP, embedded database.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CloseCode } from '@consulta/protocol';
import { createConsultation, inviteAndOpen, joinedCall } from '../support/consultation.ts';
import { HttpClient } from '../support/http.ts';
import { serverWithMail } from '../support/server-with-mail.ts';
import { SignalingClient } from '../support/signaling-client.ts';

const env = serverWithMail({ signaling: { reconnectGraceSeconds: 30 } });

/** A socket that is refused at once (the handshake succeeds, then the server closes it). */
async function refusedWith(cookie: string): Promise<number> {
  const ws = await SignalingClient.connect(env.server.url, cookie);
  return (await ws.closed).code;
}

describe('ending a session closes every socket of it', () => {
  test('a revoked guest is out on every socket, including one that never joined', async () => {
    const { consult, clinician, people } = await joinedCall(env.server, env.smtp, 1);
    const [doc, guest] = people as [(typeof people)[0], (typeof people)[0]];
    // Socket B: same cookie, opened and silent.
    const socketB = await SignalingClient.connect(env.server.url, guest.http.cookieHeader);
    const invites = await clinician.get<{ invites: Array<{ id: string }> }>(
      `/api/consultations/${consult.id}`,
    );
    const inviteId = invites.body.invites[0]!.id;

    const revoked = await clinician.delete(`/api/consultations/${consult.id}/invites/${inviteId}`);
    assert.equal(revoked.status, 200);
    assert.equal((await guest.ws.closed).code, CloseCode.AccessWithdrawn);
    assert.equal(
      (await socketB.closed).code,
      CloseCode.AccessWithdrawn,
      'the silent second socket is closed too',
    );
    // The clinician sees the guest leave at once, not after the grace period.
    assert.deepEqual(await doc.ws.next('peer-left'), {
      type: 'peer-left',
      peerId: guest.id,
      reason: 'removed',
    });
    assert.equal((await guest.http.get('/api/auth/me')).status, 401);
    assert.equal(await refusedWith(guest.http.cookieHeader), CloseCode.Unauthenticated);
    await doc.ws.close();
  });

  test('signing out closes a staff socket opened before, and it cannot join', async () => {
    const clinician = await env.server.signedIn('CLINICIAN');
    const consult = await createConsultation(clinician);
    const before = await SignalingClient.connect(env.server.url, clinician.cookieHeader);
    const other = await SignalingClient.connect(env.server.url, clinician.cookieHeader);
    other.send({ type: 'join', consultationId: consult.id });
    await other.next('joined');
    const cookie = clinician.cookieHeader;
    assert.equal((await clinician.post('/api/auth/sign-out')).status, 200);
    assert.equal((await before.closed).code, CloseCode.SessionEnded);
    assert.equal((await other.closed).code, CloseCode.SessionEnded);
    // The old cookie is dead everywhere.
    const replay = new HttpClient(env.server.url);
    const me = await fetch(`${env.server.url}/api/auth/me`, { headers: { cookie } });
    assert.equal(me.status, 401);
    assert.equal(await refusedWith(cookie), CloseCode.Unauthenticated);
    assert.equal((await replay.get('/api/auth/me')).status, 401);
  });

  test('a guest who signs out is signed out on the server, not just in the browser', async () => {
    const clinician = await env.server.signedIn('CLINICIAN');
    const consult = await createConsultation(clinician);
    const guest = await inviteAndOpen(env.server, env.smtp, clinician, consult.id);
    const cookie = guest.http.cookieHeader;
    const ws = await SignalingClient.connect(env.server.url, cookie);
    ws.send({ type: 'join', consultationId: consult.id });
    await ws.next('waiting');
    assert.equal((await guest.http.post('/api/auth/sign-out')).status, 200);
    assert.equal((await ws.closed).code, CloseCode.SessionEnded);
    const me = await fetch(`${env.server.url}/api/auth/me`, { headers: { cookie } });
    assert.equal(me.status, 401, 'the same guest cookie no longer works');
  });

  test('a denied guest gets `denied`, then its sockets close and its session is over', async () => {
    const clinician = await env.server.signedIn('CLINICIAN');
    const consult = await createConsultation(clinician);
    const doc = await SignalingClient.connect(env.server.url, clinician.cookieHeader);
    doc.send({ type: 'join', consultationId: consult.id });
    await doc.next('joined');
    const guest = await inviteAndOpen(env.server, env.smtp, clinician, consult.id);
    const ws = await SignalingClient.connect(env.server.url, guest.http.cookieHeader);
    ws.send({ type: 'join', consultationId: consult.id });
    await ws.next('waiting');
    doc.send({ type: 'deny', participantId: guest.opened.guest.participantId });
    await ws.next('denied');
    assert.equal((await ws.closed).code, CloseCode.AccessWithdrawn);
    assert.equal((await guest.http.get('/api/auth/me')).status, 401);
    await doc.close();
  });

  test('the end of the consultation closes everyone with ConsultationEnded; staff stay signed in', async () => {
    const { consult, clinician, people } = await joinedCall(env.server, env.smtp, 1);
    const [doc, guest] = people as [(typeof people)[0], (typeof people)[0]];
    assert.equal((await clinician.post(`/api/consultations/${consult.id}/end`)).status, 200);
    await guest.ws.next('consultation-ended');
    assert.equal((await guest.ws.closed).code, CloseCode.ConsultationEnded);
    assert.equal((await doc.ws.closed).code, CloseCode.ConsultationEnded);
    assert.equal((await guest.http.get('/api/auth/me')).status, 401);
    assert.equal((await clinician.get('/api/auth/me')).status, 200);
  });
});
