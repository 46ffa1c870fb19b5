// The whole life of a consultation through real HTTP, a real WebSocket, a real SMTP server and the embedded
// database: sign in, create, invite, read the email, open the link, wait, get admitted, exchange SDP and ICE,
// drop and resume within the grace period, end, and find every step in the audit log.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type {
  AuditList,
  Consultation,
  ConsultationDetail,
  Invite,
  OpenInviteReply,
  TurnCredentials,
} from '@consulta/protocol';
import { HttpClient } from '../support/http.ts';
import { serverWithMail } from '../support/server-with-mail.ts';
import { SignalingClient } from '../support/signaling-client.ts';

const env = serverWithMail({ signaling: { reconnectGraceSeconds: 5 } });

test('a consultation from sign-in to the audit log', async () => {
  const clinician = await env.server.signedIn('CLINICIAN', 'Dr. Ada Osei');

  const created = await clinician.post<Consultation>('/api/consultations', { title: 'Follow-up: knee' });
  assert.equal(created.status, 201);
  const consult = created.body;
  assert.equal(consult.status, 'SCHEDULED');

  const invited = await clinician.post<Invite>(`/api/consultations/${consult.id}/invites`, {
    email: 'Pat.Patient@example.test',
    displayName: 'Pat Patient',
  });
  assert.equal(invited.status, 201);
  assert.equal(invited.body.role, 'PATIENT');
  assert.equal('token' in invited.body, false, 'the token only travels in the email');

  // The email, as the patient receives it.
  const mail = await env.smtp.nextMessage();
  assert.equal(mail.subject, 'Your video consultation: Follow-up: knee');
  assert.match(String(mail.to && 'text' in mail.to ? mail.to.text : ''), /pat\.patient@example\.test/);
  const link = /https?:\/\/\S+\/join#([A-Za-z0-9_-]+)/.exec(mail.text ?? '');
  assert.ok(link, `no link in: ${mail.text}`);
  const token = link[1]!;
  assert.ok(Buffer.from(token, 'base64url').length >= 16, 'at least 128 bits');
  const stored = await env.server.db.prisma.invite.findUniqueOrThrow({ where: { id: invited.body.id } });
  assert.notEqual(stored.tokenHash, token, 'only a hash is stored');

  // The patient opens the link: a guest session, waiting.
  const patient = new HttpClient(env.server.url);
  const opened = await patient.post<OpenInviteReply>('/api/invites/open', { token });
  assert.equal(opened.status, 200);
  assert.equal(opened.body.guest.admission, 'WAITING');
  assert.equal(opened.body.consultation.clinicianName, 'Dr. Ada Osei');
  const turn = await patient.get<TurnCredentials>('/api/turn/credentials');
  assert.equal(turn.status, 200);
  assert.ok(turn.body.iceServers.some((s) => s.username?.endsWith(`:${opened.body.guest.participantId}`)));

  // Clinician enters the room; the patient lands in the waiting room and the clinician sees them.
  const doc = await SignalingClient.connect(env.server.url, clinician.cookieHeader);
  doc.send({ type: 'join', consultationId: consult.id });
  const docJoined = await doc.next('joined');
  assert.deepEqual(docJoined.peers, []);

  const pat = await SignalingClient.connect(env.server.url, patient.cookieHeader);
  pat.send({ type: 'join', consultationId: consult.id });
  await pat.next('waiting');
  const lobby = await doc.next('lobby', (m) => m.waiting.length === 1);
  const patientId = lobby.waiting[0]!.id;
  assert.equal(lobby.waiting[0]!.displayName, 'Pat Patient');

  // A waiting guest cannot signal anyone.
  pat.send({
    type: 'signal',
    to: docJoined.self.id,
    streamId: patientId,
    data: { kind: 'candidate', candidate: null },
  });
  assert.equal((await pat.next('error')).code, 'NOT_ADMITTED');

  doc.send({ type: 'admit', participantId: patientId });
  const patJoined = await pat.next('joined');
  assert.equal(patJoined.self.id, patientId);
  assert.deepEqual(
    patJoined.peers.map((p) => p.id),
    [docJoined.self.id],
  );
  assert.equal((await doc.next('peer-joined')).peer.id, patientId);
  const plan = await doc.next('plan', (m) => m.plan.topology === 'p2p' && m.plan.version >= 1);
  assert.equal(plan.plan.edges.length, 0);

  // Offer, answer and ICE, addressed {from, to, streamId}.
  const offer = { type: 'offer' as const, sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' };
  doc.send({
    type: 'signal',
    to: patientId,
    streamId: docJoined.self.id,
    data: { kind: 'description', description: offer },
  });
  const gotOffer = await pat.next('signal');
  assert.deepEqual(gotOffer, {
    type: 'signal',
    from: docJoined.self.id,
    to: patientId,
    streamId: docJoined.self.id,
    data: { kind: 'description', description: offer },
  });
  pat.send({
    type: 'signal',
    to: docJoined.self.id,
    streamId: docJoined.self.id,
    data: { kind: 'description', description: { type: 'answer', sdp: 'v=0\r\n' } },
  });
  assert.equal((await doc.next('signal')).data.kind, 'description');
  const candidate = {
    candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host',
    sdpMid: '0',
    sdpMLineIndex: 0,
  };
  pat.send({
    type: 'signal',
    to: docJoined.self.id,
    streamId: patientId,
    data: { kind: 'candidate', candidate },
  });
  assert.deepEqual((await doc.next('signal')).data, { kind: 'candidate', candidate });

  // The consult is live.
  const live = await clinician.get<ConsultationDetail>(`/api/consultations/${consult.id}`);
  assert.equal(live.body.status, 'ACTIVE');
  assert.equal(live.body.topology, 'p2p');

  // The patient's network drops; they come back with their resume token. The clinician sees no leave.
  await pat.drop();
  const back = await SignalingClient.connect(env.server.url, patient.cookieHeader);
  back.send({ type: 'join', consultationId: consult.id, resumeToken: patJoined.resumeToken });
  const resumed = await back.next('joined');
  assert.equal(resumed.resumed, true);
  assert.equal(resumed.self.id, patientId);
  // The clinician is told the patient's connection was replaced: an answer it sent just before may be lost.
  const told = await doc.next('peer-resumed');
  assert.equal(told.peer.id, patientId);
  assert.equal(told.peer.connected, true);
  doc.send({ type: 'ping', t: 1 });
  await doc.next('pong');
  assert.equal(doc.pending().filter((m) => m.type === 'peer-left').length, 0, 'no leave was seen');
  doc.send({
    type: 'signal',
    to: patientId,
    streamId: docJoined.self.id,
    data: { kind: 'candidate', candidate: null },
  });
  assert.equal(
    (await back.next('signal')).from,
    docJoined.self.id,
    'signaling reaches the resumed connection',
  );

  // The clinician ends the consultation: everyone is told, the link stops working.
  const ended = await clinician.post<Consultation>(`/api/consultations/${consult.id}/end`);
  assert.equal(ended.status, 200);
  assert.equal(ended.body.status, 'ENDED');
  await back.next('consultation-ended');
  await back.closed;
  const reopened = await new HttpClient(env.server.url).post('/api/invites/open', { token });
  assert.equal(reopened.status, 410);
  assert.deepEqual((reopened.body as { error: { code: string } }).error.code, 'CONSULTATION_ENDED');
  await doc.closed;

  // Every step is in the audit log, for the admin.
  const admin = await env.server.signedIn('ADMIN');
  const audit = await admin.get<AuditList>(`/api/audit?consultationId=${consult.id}&limit=500`);
  assert.equal(audit.status, 200);
  const actions = audit.body.events.map((e) => `${e.action}:${e.outcome}`).reverse();
  for (const expected of [
    'consultation.create:ok',
    'invite.send:ok',
    'invite.open:ok',
    'turn.credentials:ok',
    'room.join:ok',
    'participant.admit:ok',
    'consultation.end:ok',
    'invite.open:denied',
  ]) {
    assert.ok(actions.includes(expected), `audit has ${expected}: ${actions.join(', ')}`);
  }
  assert.equal(
    actions.filter((a) => a === 'room.join:ok').length,
    2,
    'clinician and patient joined, resume is no new join',
  );
  const signIns = await admin.get<AuditList>('/api/audit?action=auth.sign_in&limit=500');
  const clinicianId = (await clinician.get<{ user: { id: string } }>('/api/auth/me')).body.user.id;
  assert.ok(
    signIns.body.events.some(
      (e) => e.outcome === 'ok' && e.actorType === 'staff' && e.actorId === clinicianId,
    ),
    'a successful sign-in is attributed to the user who signed in',
  );
  // A clinician cannot read the audit log.
  assert.equal((await clinician.get('/api/audit')).status, 403);
});
