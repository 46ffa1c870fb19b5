// The media state a member declares (mute, camera off, screen share) reaches the others as `peer-updated` and is
// validated at the edge; the admin's live snapshot (GET /api/live) shows who is in each room with names and roles,
// the route and why, and the recording state, and drops a consultation everyone abandoned once the grace ends.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Consultation, LiveSnapshot } from '@consulta/protocol';
import { startTestServer, type TestServer } from '../support/server.ts';
import { SignalingClient } from '../support/signaling-client.ts';

let server: TestServer;

before(async () => {
  server = await startTestServer({ overrides: { signaling: { reconnectGraceSeconds: 2 } } });
});
after(() => server?.close());

test('media state is broadcast, checked at the edge, and shown in the live snapshot until the room empties', async () => {
  const clinician = await server.signedIn('CLINICIAN');
  const admin = await server.signedIn('ADMIN');
  const consult = (await clinician.post<Consultation>('/api/consultations', { title: 'Live check' })).body;
  const a = await SignalingClient.connect(server.url, clinician.cookieHeader);
  a.send({ type: 'join', consultationId: consult.id });
  const ja = await a.next('joined');
  const b = await SignalingClient.connect(server.url, admin.cookieHeader);
  b.send({ type: 'join', consultationId: consult.id });
  await b.next('joined');
  await a.next('peer-joined');

  const media = { audioMuted: true, videoMuted: false, screenSharing: false };
  a.send({ type: 'media-state', media });
  const updated = await b.next('peer-updated');
  assert.equal(updated.peer.id, ja.self.id);
  assert.deepEqual(updated.peer.media, media);

  // Validated at the edge: an unknown field or a wrong type is refused, the connection stays.
  a.send({ type: 'media-state', media: { ...media, extra: 1 } } as never);
  assert.equal((await a.next('error')).code, 'MALFORMED_MESSAGE');
  a.send({ type: 'media-state', media: { ...media, audioMuted: 'yes' } } as never);
  assert.equal((await a.next('error')).code, 'MALFORMED_MESSAGE');

  // Admins only.
  assert.equal((await clinician.get('/api/live')).status, 403);
  const live = await admin.get<LiveSnapshot>('/api/live');
  assert.equal(live.status, 200);
  const entry = live.body.consultations.find((c) => c.consultationId === consult.id);
  assert.ok(entry, 'the consultation is live');
  assert.equal(entry.title, 'Live check');
  assert.equal(entry.plan.topology, 'p2p');
  assert.ok(entry.plan.reasons.some((r) => r.code === 'two-party'));
  assert.equal(entry.recording, 'off');
  assert.ok(entry.startedAt, 'started when the second person came in');
  const clinicianSeen = entry.participants.find((p) => p.id === ja.self.id);
  assert.deepEqual(
    { name: clinicianSeen?.displayName, role: clinicianSeen?.role, media: clinicianSeen?.media },
    { name: ja.self.displayName, role: 'CLINICIAN', media },
  );
  assert.deepEqual(entry.participants.map((p) => p.role).sort(), ['ADMIN', 'CLINICIAN']);

  // Everyone closes their tab: still live during the grace period (not connected), gone after it.
  await a.drop();
  await b.drop();
  const during = await admin.get<LiveSnapshot>('/api/live');
  const abandoned = during.body.consultations.find((c) => c.consultationId === consult.id);
  assert.ok(
    abandoned?.participants.every((p) => !p.connected),
    'shown as disconnected during the grace',
  );
  const deadline = Date.now() + 10_000;
  for (;;) {
    const after = await admin.get<LiveSnapshot>('/api/live');
    if (!after.body.consultations.some((c) => c.consultationId === consult.id)) break;
    assert.ok(Date.now() < deadline, 'the abandoned consultation left the live list after the grace period');
    await new Promise((r) => setTimeout(r, 100));
  }
});
