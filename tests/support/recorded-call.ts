// A consultation being recorded, through server processes (one, or two nodes of a cluster): the clinician's socket
// on `roomNode` (where the room is created, so the node that runs it), the patient's on `patientNode`; an admin
// asks for a recording on `roomNode` and both agree. WebSocket clients only: no media is recorded, which the
// tests that use this (what happens to a recording when its server goes away) do not need.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Recording } from '@consulta/protocol';
import { createConsultation, tokenFromEmail } from './consultation.ts';
import { HttpClient } from './http.ts';
import type { ServerProcess } from './server-process.ts';
import { SignalingClient } from './signaling-client.ts';
import type { SmtpCapture } from './smtp.ts';

/** The plan reason a recording puts on the room (it needs the SFU). */
export const RECORDING_REASON = 'recording-requires-sfu';

export interface Account {
  email: string;
  password: string;
}

export async function signedIn(node: ServerProcess, account: Account): Promise<HttpClient> {
  const http = new HttpClient(node.url);
  const res = await http.post('/api/auth/sign-in', account);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return http;
}

/** Resolves once both were told the recording runs. */
export async function recordedCall(o: {
  roomNode: ServerProcess;
  patientNode: ServerProcess;
  clinician: Account;
  admin: Account;
  smtp: SmtpCapture;
  title: string;
}) {
  const clinician = await signedIn(o.roomNode, o.clinician);
  const consultationId = (await createConsultation(clinician, o.title)).id;
  const doc = await SignalingClient.connect(o.roomNode.url, clinician.cookieHeader);
  doc.send({ type: 'join', consultationId });
  const docToken = (await doc.next('joined')).resumeToken;

  const email = `patient-${randomBytes(3).toString('hex')}@example.test`;
  await clinician.post(`/api/consultations/${consultationId}/invites`, { email, displayName: 'Patient' });
  const patientHttp = new HttpClient(o.patientNode.url);
  const opened = await patientHttp.post<{ guest: { participantId: string } }>('/api/invites/open', {
    token: await tokenFromEmail(o.smtp),
  });
  assert.equal(opened.status, 200, JSON.stringify(opened.body));
  const pat = await SignalingClient.connect(o.patientNode.url, patientHttp.cookieHeader);
  pat.send({ type: 'join', consultationId });
  await pat.next('waiting');
  doc.send({ type: 'admit', participantId: opened.body.guest.participantId });
  await pat.next('joined');

  const admin = await signedIn(o.roomNode, o.admin);
  const asked = await admin.post<Recording>(`/api/consultations/${consultationId}/recordings`, {});
  assert.equal(asked.status, 201, JSON.stringify(asked.body));
  const recordingId = asked.body.id;
  for (const c of [doc, pat]) {
    await c.next('recording', (m) => m.recording.id === recordingId);
    c.send({ type: 'recording-consent', recordingId, granted: true });
  }
  for (const c of [doc, pat]) {
    await c.next('recording', (m) => m.recording.id === recordingId && m.recording.status === 'RECORDING');
  }
  // The plan that holds the room on the SFU for the recording.
  const recordingPlan = (
    await pat.next('plan', (m) => m.plan.reasons.some((r) => r.code === RECORDING_REASON))
  ).plan;
  return { consultationId, clinician, doc, docToken, pat, admin, recordingId, recordingPlan };
}
