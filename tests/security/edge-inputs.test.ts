// Inputs that once reached the database or Date and came back as HTTP 500 are refused at the edge with the
// documented error shape; binary frames count against the socket's rate limit; SFU parameter objects keep their
// declared key length. Real server and database.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ErrorBody } from '@consulta/protocol';
import { createConsultation, joinedCall } from '../support/consultation.ts';
import { serverWithMail } from '../support/server-with-mail.ts';
import { SignalingClient } from '../support/signaling-client.ts';

const env = serverWithMail({
  signaling: { rateLimit: { perSecond: 20, burst: 40 } },
});

const badInstants = [
  '2024-06-30T23:59:60Z', // a leap second: the schema's old format accepted it, Date does not
  '0000-01-01T00:00:00Z', // year 0: PostgreSQL has none
  '0001-01-01T00:00:00+01:00', // year 0 once in UTC
  '2024-02-30T09:00:00Z', // Date would silently make it 1 March
  '2023-02-29T09:00:00Z',
  '2024-01-01T00:00:00.1234Z', // below a millisecond: would be cut silently
  '+275760-09-13T00:00:00Z',
];

describe('edge values are refused with 400, never 500', () => {
  for (const scheduledFor of badInstants) {
    test(`scheduledFor ${scheduledFor}`, async () => {
      const clinician = await env.server.signedIn('CLINICIAN');
      const res = await clinician.post<ErrorBody>('/api/consultations', { title: 'Edge', scheduledFor });
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.equal(res.body.error.code, 'VALIDATION_FAILED');
    });
  }

  test('the audit filter refuses the same instants', async () => {
    const admin = await env.server.signedIn('ADMIN');
    for (const before of badInstants) {
      const res = await admin.get<ErrorBody>(`/api/audit?before=${encodeURIComponent(before)}`);
      assert.equal(res.status, 400, `${before}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, 'VALIDATION_FAILED');
    }
  });

  test('valid instants at the edges are stored exactly', async () => {
    const clinician = await env.server.signedIn('CLINICIAN');
    for (const scheduledFor of [
      '0001-01-01T00:00:00Z',
      '9999-12-31T23:59:59.999Z',
      '2024-02-29T12:00:00+14:00',
    ]) {
      const res = await clinician.post<{ scheduledFor: string }>('/api/consultations', {
        title: 'Edge',
        scheduledFor,
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(Date.parse(res.body.scheduledFor), Date.parse(scheduledFor));
    }
  });

  test('a NUL character in a title or a display name', async () => {
    const clinician = await env.server.signedIn('CLINICIAN');
    const title = await clinician.post<ErrorBody>('/api/consultations', { title: 'Knee\u0000pain' });
    assert.equal(title.status, 400);
    assert.equal(title.body.error.code, 'VALIDATION_FAILED');
    const consult = await createConsultation(clinician);
    const invite = await clinician.post<ErrorBody>(`/api/consultations/${consult.id}/invites`, {
      email: 'pat@example.test',
      displayName: 'Pat\u0000Patient',
    });
    assert.equal(invite.status, 400);
    assert.equal(invite.body.error.code, 'VALIDATION_FAILED');
    const surrogate = await clinician.request<ErrorBody>(
      'POST',
      '/api/consultations',
      '{"title":"lone \\ud800 surrogate"}',
    );
    assert.equal(surrogate.status, 400);
  });

  test('chat text with a NUL is a malformed message; line breaks are fine', async () => {
    const { people } = await joinedCall(env.server, env.smtp, 1);
    const [doc, guest] = people as [(typeof people)[0], (typeof people)[0]];
    doc.ws.send({ type: 'chat', text: 'a\u0000b' });
    assert.equal((await doc.ws.next('error', (m) => m.ref === 'chat')).code, 'MALFORMED_MESSAGE');
    doc.ws.send({ type: 'chat', text: 'two\nlines' });
    assert.equal((await guest.ws.next('chat')).text, 'two\nlines');
    await doc.ws.close();
    await guest.ws.close();
  });
});

describe('the socket edge', () => {
  test('binary frames count against the rate limit', async () => {
    const clinician = await env.server.signedIn('CLINICIAN');
    const ws = await SignalingClient.connect(env.server.url, clinician.cookieHeader);
    for (let i = 0; i < 300; i++) ws.sendRaw(Buffer.from([1, 2, 3]));
    const limited = await ws.next('error', (m) => m.code === 'RATE_LIMITED');
    assert.equal(limited.code, 'RATE_LIMITED');
    const replies = ws.pending().filter((m) => m.type === 'error').length;
    assert.ok(replies < 300, `a flood of binary frames is not answered frame by frame (${replies} replies)`);
    await ws.close();
  });

  test('SFU parameter objects refuse keys longer than 64 characters', async () => {
    const { people } = await joinedCall(env.server, env.smtp, 0);
    const doc = people[0]!;
    doc.ws.send({
      type: 'sfu-transport-connect',
      requestId: 1,
      transportId: 'x',
      dtlsParameters: { ['k'.repeat(65)]: 1 },
    });
    const refused = await doc.ws.next('error', (m) => m.ref === 'sfu-transport-connect');
    assert.equal(refused.code, 'MALFORMED_MESSAGE');
    await doc.ws.close();
  });
});
