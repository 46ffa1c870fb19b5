// Every close code in packages/protocol, seen on a real socket: each server verdict is sent in its situation, and
// the codes a client closes with keep its place (a drop is not a leave). The client's side of each code is
// packages/call-engine/test/signaling.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type CloseCodeName, CloseCodes } from '@consulta/protocol';
import { createConsultation, joinedCall } from '../support/consultation.ts';
import { startTestServer } from '../support/server.ts';
import { serverWithMail } from '../support/server-with-mail.ts';
import { SignalingClient } from '../support/signaling-client.ts';

const env = serverWithMail({
  signaling: { reconnectGraceSeconds: 30, maxMessageBytes: 4096 },
});

/** The client closes with `code` without `leave`: the others see nothing, and the place resumes. */
async function clientCloseKeepsPlace(code: number) {
  const { consult, people } = await joinedCall(env.server, env.smtp, 1);
  const [doc, guest] = people as [(typeof people)[0], (typeof people)[0]];
  guest.ws.socket.close(code, 'client side');
  await guest.ws.closed;
  const back = await SignalingClient.connect(env.server.url, guest.http.cookieHeader);
  back.send({ type: 'join', consultationId: consult.id, resumeToken: guest.resumeToken });
  const joined = await back.next('joined');
  assert.equal(joined.resumed, true);
  assert.equal(joined.self.id, guest.id);
  // A round trip after the resume: a leave, had there been one, would have arrived before the pong.
  doc.ws.send({ type: 'ping', t: 1 });
  await doc.ws.next('pong');
  assert.equal(
    doc.ws.pending().some((m) => m.type === 'peer-left'),
    false,
    'a client-side close is not a leave',
  );
  await back.close();
  await doc.ws.close();
}

const cases: Record<CloseCodeName, () => Promise<void>> = {
  ClientClosed: () => clientCloseKeepsPlace(CloseCodes.ClientClosed.code),
  ClientDropped: () => clientCloseKeepsPlace(CloseCodes.ClientDropped.code),

  async ServerGoingAway() {
    const own = await startTestServer();
    const staff = await own.signedIn('CLINICIAN');
    const ws = await SignalingClient.connect(own.url, staff.cookieHeader);
    const closing = own.close();
    assert.equal((await ws.closed).code, CloseCodes.ServerGoingAway.code);
    await closing;
  },

  async MessageTooBig() {
    const staff = await env.server.signedIn('CLINICIAN');
    const ws = await SignalingClient.connect(env.server.url, staff.cookieHeader);
    ws.sendRaw('x'.repeat(4 * 4096 + 1));
    assert.equal((await ws.closed).code, CloseCodes.MessageTooBig.code);
  },

  async Replaced() {
    const staff = await env.server.signedIn('CLINICIAN');
    const consult = await createConsultation(staff);
    const first = await SignalingClient.connect(env.server.url, staff.cookieHeader);
    first.send({ type: 'join', consultationId: consult.id });
    await first.next('joined');
    const second = await SignalingClient.connect(env.server.url, staff.cookieHeader);
    second.send({ type: 'join', consultationId: consult.id });
    await second.next('joined');
    assert.equal((await first.closed).code, CloseCodes.Replaced.code);
    await second.close();
  },

  async AccessWithdrawn() {
    const { consult, clinician, people } = await joinedCall(env.server, env.smtp, 1);
    const detail = await clinician.get<{ invites: Array<{ id: string }> }>(
      `/api/consultations/${consult.id}`,
    );
    await clinician.delete(`/api/consultations/${consult.id}/invites/${detail.body.invites[0]!.id}`);
    assert.equal((await people[1]!.ws.closed).code, CloseCodes.AccessWithdrawn.code);
    await people[0]!.ws.close();
  },

  async ConsultationEnded() {
    const { consult, clinician, people } = await joinedCall(env.server, env.smtp, 1);
    await clinician.post(`/api/consultations/${consult.id}/end`);
    for (const p of people) assert.equal((await p.ws.closed).code, CloseCodes.ConsultationEnded.code);
  },

  async SessionEnded() {
    const staff = await env.server.signedIn('CLINICIAN');
    const ws = await SignalingClient.connect(env.server.url, staff.cookieHeader);
    await staff.post('/api/auth/sign-out');
    assert.equal((await ws.closed).code, CloseCodes.SessionEnded.code);
  },

  async Unauthenticated() {
    const ws = await SignalingClient.connect(env.server.url, '');
    assert.equal((await ws.closed).code, CloseCodes.Unauthenticated.code);
  },

  async CrossOrigin() {
    const staff = await env.server.signedIn('CLINICIAN');
    const ws = await SignalingClient.connect(env.server.url, staff.cookieHeader, 'https://elsewhere.example');
    assert.equal((await ws.closed).code, CloseCodes.CrossOrigin.code);
  },

  async ServerRestarting() {
    // Sent by a cluster node that drains on SIGTERM (tests/cluster); a single process has no successor and
    // closes with ServerGoingAway instead (above). Here: the code is in the application range and retried at once.
    assert.ok(CloseCodes.ServerRestarting.code >= 4000 && CloseCodes.ServerRestarting.code < 5000);
    assert.equal(CloseCodes.ServerRestarting.client, 'retry-now');
  },
};

for (const [name, run] of Object.entries(cases)) {
  test(`close code ${CloseCodes[name as CloseCodeName].code} ${name}`, run);
}

test('the table and this file agree', () => {
  assert.deepEqual(Object.keys(cases).sort(), Object.keys(CloseCodes).sort());
});
