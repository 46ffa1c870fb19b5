// Recording consent over the real server, WebSocket and database (no media needed up to the point where
// everyone agreed): who may ask, who is asked, what a decline or silence does, and what the audit log keeps.
// Recording itself (media to a file) is covered by tests/browser/recording.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AuditList, Consultation, OpenInviteReply, Recording, RecordingList } from '@consulta/protocol';
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
  return { consult, clinician, patient, doc, pat, docId, patId: opened.body.guest.participantId };
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
