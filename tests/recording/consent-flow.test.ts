// Recording consent over the real server, WebSocket and database (no media needed up to the point where
// everyone agreed): who may ask, who is asked, what a decline or silence does, and what the audit log keeps.
// Recording itself (media to a file) is covered by tests/browser/recording.test.ts; withdrawing consent here is
// its protocol, record and audit (the file side: tests/sfu/recording-pipeline.test.ts, tests/web/recording-ui).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type {
  AuditList,
  Consultation,
  OpenInviteReply,
  Recording,
  RecordingList,
  VisitExport,
} from '@consulta/protocol';
import { HttpClient } from '../support/http.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { SignalingClient } from '../support/signaling-client.ts';
import { startSmtpCapture } from '../support/smtp.ts';

let server: TestServer;
let smtp: Awaited<ReturnType<typeof startSmtpCapture>>;
let admin: HttpClient;

/**
 * The consent timeout: long for the tests that answer (a loaded CI machine can take seconds between two steps, and
 * a recording that timed out meanwhile would make the next request legitimately succeed), short for the one that
 * waits for it.
 */
const startServer = (consentTimeoutSeconds: number) =>
  startTestServer({ overrides: { email: { smtpUrl: smtp.url }, recording: { consentTimeoutSeconds } } });

before(async () => {
  smtp = await startSmtpCapture();
  server = await startServer(120);
  admin = await server.signedIn('ADMIN', 'Ops Admin');
});
after(async () => {
  await server?.close();
  await smtp?.close();
});

/** A live 1:1 consultation: clinician and patient both in the room. */
async function liveConsult(on: TestServer = server) {
  const clinician = await on.signedIn('CLINICIAN', 'Dr. Rec');
  const consult = (await clinician.post<Consultation>('/api/consultations', { title: 'Recorded review' }))
    .body;
  await clinician.post(`/api/consultations/${consult.id}/invites`, {
    email: 'rec.patient@example.test',
    displayName: 'Rec Patient',
  });
  const token = /\/join#([A-Za-z0-9_-]+)/.exec((await smtp.nextMessage()).text ?? '')![1]!;
  const patient = new HttpClient(on.url);
  const opened = await patient.post<OpenInviteReply>('/api/invites/open', { token });
  const doc = await SignalingClient.connect(on.url, clinician.cookieHeader);
  doc.send({ type: 'join', consultationId: consult.id });
  const docId = (await doc.next('joined')).self.id;
  const pat = await SignalingClient.connect(on.url, patient.cookieHeader);
  pat.send({ type: 'join', consultationId: consult.id });
  await pat.next('waiting');
  doc.send({ type: 'admit', participantId: opened.body.guest.participantId });
  await pat.next('joined');
  return { on, consult, clinician, patient, doc, pat, docId, patId: opened.body.guest.participantId };
}

/** One more guest invited to `live`, opened, admitted and in the room. */
async function guestJoins(live: Awaited<ReturnType<typeof liveConsult>>, email: string, displayName: string) {
  await live.clinician.post(`/api/consultations/${live.consult.id}/invites`, { email, displayName });
  const token = /\/join#([A-Za-z0-9_-]+)/.exec((await smtp.nextMessage()).text ?? '')![1]!;
  const http = new HttpClient(live.on.url);
  const opened = await http.post<OpenInviteReply>('/api/invites/open', { token });
  const sock = await SignalingClient.connect(live.on.url, http.cookieHeader);
  sock.send({ type: 'join', consultationId: live.consult.id });
  await sock.next('waiting');
  live.doc.send({ type: 'admit', participantId: opened.body.guest.participantId });
  await sock.next('joined');
  return { sock, id: opened.body.guest.participantId };
}

/** Asks for a recording of `live` and has both agree; resolves once everyone was told it runs. */
async function recordingRunning(live: Awaited<ReturnType<typeof liveConsult>>): Promise<string> {
  const started = await admin.post<Recording>(`/api/consultations/${live.consult.id}/recordings`, {});
  assert.equal(started.status, 201, JSON.stringify(started.body));
  const id = started.body.id;
  for (const c of [live.doc, live.pat]) {
    await c.next('recording', (m) => m.recording.id === id);
    c.send({ type: 'recording-consent', recordingId: id, granted: true });
  }
  for (const c of [live.doc, live.pat])
    await c.next('recording', (m) => m.recording.id === id && m.recording.status === 'RECORDING');
  return id;
}

describe('recording consent', () => {
  test('only administrators start recordings; guests and clinicians are refused', async () => {
    const live = await liveConsult();
    const byClinician = await live.clinician.post(`/api/consultations/${live.consult.id}/recordings`, {});
    assert.equal(byClinician.status, 403);
    assert.equal((byClinician.body as { error: { code: string } }).error.code, 'FORBIDDEN');
    const byGuest = await live.patient.post(`/api/consultations/${live.consult.id}/recordings`, {});
    assert.equal(byGuest.status, 403);
    const anonymous = await new HttpClient(server.url).post(
      `/api/consultations/${live.consult.id}/recordings`,
      {},
    );
    assert.equal(anonymous.status, 401);
    // Listing is for admins unless config lets clinicians see their own.
    assert.equal((await live.clinician.get('/api/recordings')).status, 403);
    assert.equal((await admin.get<RecordingList>('/api/recordings')).status, 200);
    live.doc.close();
    live.pat.close();
  });

  test('an empty consultation cannot be recorded', async () => {
    const clinician = await server.signedIn('CLINICIAN');
    const consult = (await clinician.post<Consultation>('/api/consultations', { title: 'Nobody here' })).body;
    const res = await admin.post(`/api/consultations/${consult.id}/recordings`, {});
    assert.equal(res.status, 409);
  });

  test('one decline blocks the recording, everyone sees who declined, the call returns to p2p', async () => {
    const live = await liveConsult();
    const started = await admin.post<Recording>(`/api/consultations/${live.consult.id}/recordings`, {});
    assert.equal(started.status, 201, JSON.stringify(started.body));
    assert.equal(started.body.status, 'AWAITING_CONSENT');
    assert.deepEqual(
      started.body.consents.map((c) => [c.participantId, c.decision]).sort(),
      [
        [live.docId, null],
        [live.patId, null],
      ].sort(),
    );
    // Both are asked over the socket.
    const asked = await live.pat.next('recording');
    assert.equal(asked.recording.id, started.body.id);
    await live.doc.next('recording', (m) => m.recording.id === started.body.id);
    // A second request while one is pending is a conflict.
    assert.equal((await admin.post(`/api/consultations/${live.consult.id}/recordings`, {})).status, 409);

    live.doc.send({ type: 'recording-consent', recordingId: started.body.id, granted: true });
    await live.pat.next('recording', (m) => m.recording.consents.some((c) => c.decision === 'GRANTED'));
    live.pat.send({ type: 'recording-consent', recordingId: started.body.id, granted: false });
    const blocked = await live.doc.next('recording', (m) => m.recording.status === 'BLOCKED');
    const byPatient = blocked.recording.consents.find((c) => c.participantId === live.patId);
    assert.equal(byPatient?.decision, 'DECLINED');
    assert.ok(byPatient?.decidedAt);

    const seen = await admin.get<Recording>(`/api/recordings/${started.body.id}`);
    assert.equal(seen.body.status, 'BLOCKED');
    assert.equal(seen.body.consents.find((c) => c.participantId === live.patId)?.decision, 'DECLINED');
    // Asking put the call on the SFU (so recording could start the moment everyone agreed); the decline puts it
    // back on p2p, and nothing was written.
    const onSfu = await live.doc.next('plan', (m) => m.plan.topology === 'sfu');
    await live.doc.next('plan', (m) => m.plan.topology === 'p2p' && m.plan.version > onSfu.plan.version);
    assert.equal(seen.body.sha256, null);
    assert.equal((await admin.get(`/api/recordings/${started.body.id}/file`)).status, 409);

    const audit = await admin.get<AuditList>(`/api/audit?consultationId=${live.consult.id}`);
    const actions = audit.body.events.map((e) => e.action);
    for (const a of ['recording.request', 'recording.consent', 'recording.blocked'])
      assert.ok(actions.includes(a), `${a} audited`);
    const blockedEvent = audit.body.events.find((e) => e.action === 'recording.blocked');
    assert.ok(blockedEvent, 'the block is audited');
    assert.deepEqual((blockedEvent.details as { declinedBy: string[] }).declinedBy, [live.patId]);
    live.doc.close();
    live.pat.close();
  });

  test('nobody answering in time blocks the recording', async () => {
    const quick = await startServer(1.5);
    try {
      const quickAdmin = await quick.signedIn('ADMIN', 'Ops Admin');
      const live = await liveConsult(quick);
      const started = await quickAdmin.post<Recording>(
        `/api/consultations/${live.consult.id}/recordings`,
        {},
      );
      assert.equal(started.status, 201);
      const blocked = await live.pat.next('recording', (m) => m.recording.status === 'BLOCKED', 10_000);
      assert.equal(blocked.recording.id, started.body.id);
      const audit = await quickAdmin.get<AuditList>(
        `/api/audit?consultationId=${live.consult.id}&action=recording.blocked`,
      );
      const event = audit.body.events[0];
      assert.ok(event, 'the block is audited');
      assert.equal((event.details as { reason: string }).reason, 'consent-timeout');
      live.doc.close();
      live.pat.close();
    } finally {
      await quick.close();
    }
  });

  test('answers to a recording that is not waiting are refused with a typed error', async () => {
    const live = await liveConsult();
    live.pat.send({ type: 'recording-consent', recordingId: 'no-such-recording', granted: true });
    const err = await live.pat.next('error');
    assert.equal(err.code, 'NOT_FOUND');
    assert.equal(err.ref, 'recording-consent');
    live.doc.close();
    live.pat.close();
  });
});

describe('withdrawing consent', () => {
  test('refused with a typed error when nothing is recording, or the recording is only being asked for', async () => {
    const live = await liveConsult();
    live.pat.send({ type: 'recording-withdraw-consent', recordingId: 'no-such-recording' });
    const none = await live.pat.next('error');
    assert.equal(none.code, 'NOT_RECORDING');
    assert.equal(none.ref, 'recording-withdraw-consent');
    // Asked, not yet running: the answer to give is "no" to the question, not a withdrawal.
    const asked = await admin.post<Recording>(`/api/consultations/${live.consult.id}/recordings`, {});
    await live.pat.next('recording', (m) => m.recording.id === asked.body.id);
    live.pat.send({ type: 'recording-withdraw-consent', recordingId: asked.body.id });
    assert.equal((await live.pat.next('error')).code, 'NOT_RECORDING');
    // Validated at the edge: a message without the recording's id never reaches the service.
    live.pat.send({ type: 'recording-withdraw-consent' });
    assert.equal((await live.pat.next('error')).code, 'MALFORMED_MESSAGE');
    assert.equal((await admin.post(`/api/recordings/${asked.body.id}/stop`, {})).status, 200);
    live.doc.close();
    live.pat.close();
  });

  test('one withdraws: everyone sees it, it is audited and in the record; no re-consent; the last one stops it', async () => {
    const live = await liveConsult();
    const id = await recordingRunning(live);
    // Someone who joins while it runs and has not agreed has nothing to withdraw.
    const late = await guestJoins(live, 'late.guest@example.test', 'Late Guest');
    await late.sock.next('recording', (m) => m.recording.id === id);
    late.sock.send({ type: 'recording-withdraw-consent', recordingId: id });
    assert.equal((await late.sock.next('error')).code, 'NO_CONSENT_TO_WITHDRAW');
    await late.sock.close();

    const sentAt = Date.now();
    live.pat.send({ type: 'recording-withdraw-consent', recordingId: id });
    // Everyone gets the state with the withdrawal, the recording still running for the rest.
    for (const c of [live.doc, live.pat]) {
      const seen = await c.next('recording', (m) =>
        m.recording.consents.some((k) => k.participantId === live.patId && k.withdrawnAt !== null),
      );
      assert.equal(seen.recording.status, 'RECORDING');
      const byDoc = seen.recording.consents.find((k) => k.participantId === live.docId);
      assert.equal(byDoc?.withdrawnAt, null, 'the clinician is still recorded');
      const byPat = seen.recording.consents.find((k) => k.participantId === live.patId)!;
      assert.equal(byPat.decision, 'GRANTED', 'the grant stays in the record, with its time');
      assert.ok(Math.abs(Date.parse(byPat.withdrawnAt!) - sentAt) < 10_000, byPat.withdrawnAt!);
    }

    // Withdrawing twice, or agreeing again, is refused with a typed error: no re-consent in this recording.
    live.pat.send({ type: 'recording-withdraw-consent', recordingId: id });
    assert.equal((await live.pat.next('error')).code, 'NO_CONSENT_TO_WITHDRAW');
    live.pat.send({ type: 'recording-consent', recordingId: id, granted: true });
    const again = await live.pat.next('error');
    assert.equal(again.code, 'CONSENT_WITHDRAWN');
    assert.equal(again.ref, 'recording-consent');

    const audit = await admin.get<AuditList>(
      `/api/audit?consultationId=${live.consult.id}&action=recording.consent_withdrawn`,
    );
    assert.equal(audit.body.events.length, 1, JSON.stringify(audit.body.events));
    const event = audit.body.events[0]!;
    assert.equal(event.targetId, id);
    assert.equal(event.actorType, 'guest');
    assert.equal((event.details as { participantId: string }).participantId, live.patId);

    // The clinician says "no" to the running recording they agreed to: that is a withdrawal too, and with nobody
    // left being recorded the recording stops (no media was sent in this test, so there is no file: FAILED).
    live.doc.send({ type: 'recording-consent', recordingId: id, granted: false });
    await live.pat.next('recording', (m) => m.recording.id === id && m.recording.status === 'FINALISING');
    await live.pat.next('recording', (m) => m.recording.id === id && m.recording.status === 'FAILED');
    const row = (await admin.get<Recording>(`/api/recordings/${id}`)).body;
    assert.ok(
      row.consents.every((k) => k.decision === 'GRANTED' && k.withdrawnAt !== null),
      JSON.stringify(row.consents),
    );

    // The visit export lists both withdrawals with their times, and their audit events.
    const exported = await admin.get<VisitExport>(`/api/consultations/${live.consult.id}/export`);
    assert.equal(exported.status, 200);
    const inExport = exported.body.recordings.find((r) => r.id === id)!;
    assert.deepEqual(
      inExport.consents.map((k) => [k.participantId, k.withdrawnAt !== null]).sort(),
      [
        [live.docId, true],
        [live.patId, true],
      ].sort(),
    );
    assert.equal(
      exported.body.auditEvents.filter((e) => e.action === 'recording.consent_withdrawn').length,
      2,
    );
    live.doc.close();
    live.pat.close();
  });

  test('the last person being recorded leaves: the recording stops though someone who never agreed stays', async () => {
    const live = await liveConsult();
    const id = await recordingRunning(live);
    const late = await guestJoins(live, 'stays@example.test', 'Stays Unrecorded');
    await late.sock.next('recording', (m) => m.recording.id === id && m.recording.status === 'RECORDING');
    live.pat.send({ type: 'leave' });
    await late.sock.next('peer-left', (m) => m.peerId === live.patId);
    live.doc.send({ type: 'leave' });
    await late.sock.next('peer-left', (m) => m.peerId === live.docId);
    // Nobody left is being recorded: it stops (no media was sent here, so no file: FAILED).
    await late.sock.next('recording', (m) => m.recording.id === id && m.recording.status === 'FINALISING');
    await late.sock.next('recording', (m) => m.recording.id === id && m.recording.status === 'FAILED');
    const row = (await admin.get<Recording>(`/api/recordings/${id}`)).body;
    assert.ok(row.stoppedAt, 'stopped');
    await late.sock.close();
  });
});

describe('a server without an SFU', () => {
  let bare: TestServer;
  before(async () => {
    bare = await startTestServer({ overrides: { media: { enabled: false } } });
  });
  after(() => bare?.close());

  test('refuses to record with SFU_UNAVAILABLE', async () => {
    const clinician = await bare.signedIn('CLINICIAN');
    const consult = (await clinician.post<Consultation>('/api/consultations', { title: 'No SFU' })).body;
    const doc = await SignalingClient.connect(bare.url, clinician.cookieHeader);
    doc.send({ type: 'join', consultationId: consult.id });
    await doc.next('joined');
    const res = await (await bare.signedIn('ADMIN')).post(`/api/consultations/${consult.id}/recordings`, {});
    assert.equal(res.status, 503);
    assert.equal((res.body as { error: { code: string } }).error.code, 'SFU_UNAVAILABLE');
    doc.close();
  });
});
