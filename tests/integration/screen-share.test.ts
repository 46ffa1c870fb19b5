// Who may share a screen, enforced by the server over the real WebSocket: a patient's `media-state` declaring a
// shared screen is refused FORBIDDEN (others never hear it), a clinician's and a colleague's reach everyone; the
// start, the stop and the refusal are audited, and the plan counts a declared screen while it is shared; on
// the SFU a patient's screen producer is refused FORBIDDEN before any media exists, and a clinician's screen
// reaches the others as a consumer with `source: 'screen'`, which `sfu-producer-close` takes away again.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { AuditList } from '@consulta/protocol';
import { joinedCall } from '../support/consultation.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { startSmtpCapture } from '../support/smtp.ts';

let smtp: Awaited<ReturnType<typeof startSmtpCapture>>;
let server: TestServer;

before(async () => {
  smtp = await startSmtpCapture();
  server = await startTestServer({
    overrides: { email: { smtpUrl: smtp.url }, routing: { forceTopology: 'sfu' } },
  });
});
after(async () => {
  await server?.close();
  await smtp?.close();
});

const sharing = { audioMuted: false, videoMuted: false, screenSharing: true };
const notSharing = { ...sharing, screenSharing: false };

test('only clinicians, admins and colleagues may declare a shared screen', async () => {
  const { people, consult } = await joinedCall(server, smtp, 1, { role: 'PATIENT', title: 'Share roles' });
  const [doc, pat] = people as [(typeof people)[0], (typeof people)[0]];

  pat.ws.send({ type: 'media-state', media: sharing });
  const refused = await pat.ws.next('error');
  assert.equal(refused.code, 'FORBIDDEN');
  assert.equal(refused.ref, 'media-state');
  // The refused declaration reached nobody: the clinician's next update of the patient is the allowed one.
  pat.ws.send({ type: 'media-state', media: notSharing });
  const seen = await doc.ws.next('peer-updated', (m) => m.peer.id === pat.id);
  assert.deepEqual(seen.peer.media, notSharing);

  doc.ws.send({ type: 'media-state', media: sharing });
  const told = await pat.ws.next('peer-updated', (m) => m.peer.id === doc.id);
  assert.equal(told.peer.media?.screenSharing, true);
  // The plan counts the screen (docs/routing.md): a new plan names the sharer and the kbit/s counted.
  const counted = await pat.ws.next('plan', (m) => m.plan.reasons.some((r) => r.code === 'screen-share'));
  const screen = counted.plan.reasons.find((r) => r.code === 'screen-share');
  assert.equal(screen?.peerId, doc.id);
  assert.ok((screen?.value ?? 0) > 0, `a screen costs something: ${JSON.stringify(counted.plan)}`);
  doc.ws.send({ type: 'media-state', media: notSharing });
  await pat.ws.next('peer-updated', (m) => m.peer.id === doc.id && m.peer.media?.screenSharing === false);
  const uncounted = await pat.ws.next('plan', (m) => m.plan.version > counted.plan.version);
  assert.ok(
    !uncounted.plan.reasons.some((r) => r.code === 'screen-share'),
    `the stop replans without the screen: ${JSON.stringify(uncounted.plan.reasons)}`,
  );

  // Audited: the refused attempt, the start and the stop, each with who did it.
  const admin = await server.signedIn('ADMIN');
  const events = await admin.get<AuditList>(`/api/audit?consultationId=${consult.id}`);
  const shares = events.body.events
    .filter((e) => e.action.startsWith('screen_share.'))
    .map((e) => `${e.action} ${e.outcome} ${e.actor?.role}`)
    .sort();
  assert.deepEqual(shares, [
    'screen_share.start denied PATIENT',
    'screen_share.start ok CLINICIAN',
    'screen_share.stop ok CLINICIAN',
  ]);
  for (const p of people) await p.ws.close();
});

test('a colleague may share', async () => {
  const { people } = await joinedCall(server, smtp, 1, { role: 'COLLEAGUE', title: 'Share colleague' });
  const [doc, colleague] = people as [(typeof people)[0], (typeof people)[0]];
  colleague.ws.send({ type: 'media-state', media: sharing });
  const told = await doc.ws.next('peer-updated', (m) => m.peer.id === colleague.id);
  assert.equal(told.peer.media?.screenSharing, true);
  for (const p of people) await p.ws.close();
});

test('on the SFU a patient cannot produce a screen; a clinician can, receivers are told its source', async () => {
  const { people } = await joinedCall(server, smtp, 1, { role: 'PATIENT', title: 'Share on the SFU' });
  const [doc, pat] = people as [(typeof people)[0], (typeof people)[0]];
  for (const p of people) await p.ws.next('sfu-session');

  pat.ws.send({ type: 'sfu-transport-create', requestId: 1, direction: 'send' });
  const patSend = await pat.ws.next('sfu-transport', (m) => m.requestId === 1);
  pat.ws.send({
    type: 'sfu-produce',
    requestId: 2,
    transportId: patSend.transport.id,
    kind: 'video',
    source: 'screen',
    rtpParameters: {},
  });
  const refused = await pat.ws.next('error', (m) => m.requestId === 2);
  assert.equal(refused.code, 'FORBIDDEN');
  assert.equal(refused.ref, 'sfu-produce');

  // A screen is a video.
  doc.ws.send({ type: 'sfu-transport-create', requestId: 3, direction: 'send' });
  const docSend = await doc.ws.next('sfu-transport', (m) => m.requestId === 3);
  doc.ws.send({
    type: 'sfu-produce',
    requestId: 4,
    transportId: docSend.transport.id,
    kind: 'audio',
    source: 'screen',
    rtpParameters: {},
  });
  assert.equal((await doc.ws.next('error', (m) => m.requestId === 4)).code, 'VALIDATION_FAILED');

  // The clinician's screen producer: the patient (ready to receive) gets a consumer marked as the screen.
  pat.ws.send({ type: 'sfu-transport-create', requestId: 5, direction: 'recv' });
  await pat.ws.next('sfu-transport', (m) => m.requestId === 5);
  pat.ws.send({ type: 'sfu-ready', rtpCapabilities: VP8_RECEIVER_CAPS });
  doc.ws.send({
    type: 'sfu-produce',
    requestId: 6,
    transportId: docSend.transport.id,
    kind: 'video',
    source: 'screen',
    rtpParameters: vp8Parameters(),
  });
  const produced = await doc.ws.next('sfu-produced', (m) => m.requestId === 6);
  const consume = await pat.ws.next('sfu-consume', (m) => m.consumer.producerId === produced.producerId);
  assert.equal(consume.consumer.source, 'screen');
  assert.equal(consume.consumer.peerId, doc.id);

  // Stopping the share closes the producer; the receiver's consumer closes with it.
  doc.ws.send({ type: 'sfu-producer-close', requestId: 7, producerId: produced.producerId });
  await doc.ws.next('sfu-done', (m) => m.requestId === 7);
  const closed = await pat.ws.next('sfu-consumer-closed');
  assert.equal(closed.consumerId, consume.consumer.id);
  for (const p of people) await p.ws.close();
});

/** A receiver that can take VP8 (what mediasoup needs of `sfu-ready` to create a consumer). */
const VP8_RECEIVER_CAPS = {
  codecs: [
    { kind: 'video', mimeType: 'video/VP8', clockRate: 90000, preferredPayloadType: 96, rtcpFeedback: [] },
  ],
  headerExtensions: [],
};

/** One VP8 encoding, as a browser's first screen producer would describe it. */
function vp8Parameters(): Record<string, unknown> {
  return {
    codecs: [{ mimeType: 'video/VP8', payloadType: 96, clockRate: 90000, rtcpFeedback: [] }],
    encodings: [{ ssrc: 11111111 }],
    headerExtensions: [],
    rtcp: { cname: 'screen-test' },
  };
}
