// Signals to a peer whose connection dropped (docs/protocol.md, step 5): held while its place is kept and
// delivered in order after its `joined {resumed: true}`, instead of refused (which lost the candidates and answers
// of links being set up while a server node restarted). Real server, real PostgreSQL-compatible store.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { LiveSnapshot } from '@consulta/protocol';
import { MAX_HELD_SIGNALS } from '../../apps/server/src/signaling/held-signals.ts';
import { joinedCall } from '../support/consultation.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { SignalingClient } from '../support/signaling-client.ts';
import { startSmtpCapture } from '../support/smtp.ts';

let server: TestServer;
let smtp: Awaited<ReturnType<typeof startSmtpCapture>>;

before(async () => {
  smtp = await startSmtpCapture();
  server = await startTestServer({ overrides: { email: { smtpUrl: smtp.url } } });
});
after(async () => {
  await server?.close();
  await smtp?.close();
});

test('signals to a reconnecting peer arrive, in order, once it resumes; past the bound the oldest are dropped', async () => {
  const { consult, people } = await joinedCall(server, smtp, 1, { title: 'Held signals' });
  const [doc, pat] = [people[0]!, people[1]!];
  const admin = await server.signedIn('ADMIN');
  await pat.ws.drop();
  // The server has seen the drop (the admin's live view shows the patient disconnected): what follows is held.
  const deadline = Date.now() + 10_000;
  for (;;) {
    const live = await admin.get<LiveSnapshot>('/api/live');
    const entry = live.body.consultations.find((c) => c.consultationId === consult.id);
    if (entry?.participants.find((p) => p.id === pat.id)?.connected === false) break;
    assert.ok(Date.now() < deadline, 'the server saw the patient disconnect');
    await new Promise((r) => setTimeout(r, 50));
  }
  const sent = MAX_HELD_SIGNALS + 3;
  for (let i = 0; i < sent; i++) {
    doc.ws.send({
      type: 'signal',
      to: pat.id,
      streamId: doc.id,
      data: { kind: 'candidate', candidate: { candidate: `candidate:${i}`, sdpMid: '0', sdpMLineIndex: 0 } },
    });
  }
  // Nothing comes back to the sender: no error for a peer that is only reconnecting.
  doc.ws.send({ type: 'ping', t: 1 });
  await doc.ws.next('pong');
  assert.deepEqual(
    doc.ws.pending().filter((m) => m.type === 'error'),
    [],
  );

  const back = await SignalingClient.connect(server.url, pat.http.cookieHeader);
  back.send({ type: 'join', consultationId: consult.id, resumeToken: pat.resumeToken });
  const joined = await back.next('joined');
  assert.equal(joined.resumed, true);
  const got: string[] = [];
  for (let i = 0; i < MAX_HELD_SIGNALS; i++) {
    const m = await back.next('signal');
    assert.equal(m.from, doc.id);
    const data = m.data as { candidate: { candidate: string } };
    got.push(data.candidate.candidate);
  }
  assert.deepEqual(
    got,
    Array.from({ length: MAX_HELD_SIGNALS }, (_, i) => `candidate:${i + sent - MAX_HELD_SIGNALS}`),
    'the newest, in order',
  );
  back.send({ type: 'ping', t: 2 });
  await back.next('pong');
  assert.deepEqual(
    back.pending().filter((m) => m.type === 'signal'),
    [],
    'each held signal is delivered once',
  );
  back.socket.close();
  doc.ws.socket.close();
});
