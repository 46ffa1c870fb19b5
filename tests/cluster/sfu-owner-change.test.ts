// An SFU call whose node dies (docs/cluster.md, phase 1: each node runs its own mediasoup workers, the room's
// owner hosts its SFU room). The node taking the room over opens an SFU room of its own under a later epoch than
// any the dead node used (the epoch travels in the room's snapshot), and tells every member: those still
// connected when it adopts the room, and the one resuming. Before, the new owner started its epochs at 0 again,
// so a client holding epoch 0 took the new session for the dead one (and kept its dead transports), and members
// whose sockets never broke were not told at all. Real server processes with their SFU, the local PostgreSQL,
// the real Redis (this run's key prefix), WebSocket clients.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { createConsultation, tokenFromEmail } from '../support/consultation.ts';
import { HttpClient } from '../support/http.ts';
import { signedIn } from '../support/recorded-call.ts';
import { SignalingClient } from '../support/signaling-client.ts';
import { TestCluster } from '../support/test-cluster.ts';

const clinician = { email: 'dr.sfu@example.test', password: 'a-long-correct-password' };
let cluster: TestCluster;

before(async () => {
  cluster = await TestCluster.start({
    staff: [{ ...clinician, displayName: 'Dr Sfu', role: 'CLINICIAN' }],
    // Three people are past treeMaxParticipants: the call runs on the SFU.
    config: { media: { enabled: true }, routing: { treeMaxParticipants: 2 } },
  });
});

after(async () => {
  await cluster?.close();
});

test('SIGKILL of the node hosting an SFU call: the next owner opens a later epoch and tells every member', async () => {
  const docHttp = await signedIn(cluster.node('a'), clinician);
  const consultationId = (await createConsultation(docHttp, 'SFU call, then its node dies')).id;
  const doc = await SignalingClient.connect(cluster.node('a').url, docHttp.cookieHeader);
  doc.send({ type: 'join', consultationId });
  const docToken = (await doc.next('joined')).resumeToken;

  // Two guests on node B, admitted by the clinician on node A (which runs the room).
  const guests: SignalingClient[] = [];
  for (const name of ['Patient', 'Relative']) {
    const email = `${name.toLowerCase()}-${randomBytes(3).toString('hex')}@example.test`;
    await docHttp.post(`/api/consultations/${consultationId}/invites`, { email, displayName: name });
    const http = new HttpClient(cluster.node('b').url);
    const opened = await http.post<{ guest: { participantId: string } }>('/api/invites/open', {
      token: await tokenFromEmail(cluster.smtp),
    });
    assert.equal(opened.status, 200, JSON.stringify(opened.body));
    const ws = await SignalingClient.connect(cluster.node('b').url, http.cookieHeader);
    ws.send({ type: 'join', consultationId });
    await ws.next('waiting');
    doc.send({ type: 'admit', participantId: opened.body.guest.participantId });
    await ws.next('joined');
    guests.push(ws);
  }
  const everyone = [doc, ...guests];
  const live = await Promise.all(everyone.map((c) => c.next('sfu-session', (m) => !m.standby, 15_000)));
  const first = live[0]!.epoch;
  for (const s of live) assert.equal(s.epoch, first, 'one SFU room, on node A');

  await cluster.kill('a');
  // The clinician resumes on B, which takes the room over from its snapshot.
  const docAgain = await SignalingClient.connect(cluster.node('b').url, docHttp.cookieHeader);
  docAgain.send({ type: 'join', consultationId, resumeToken: docToken });
  assert.equal((await docAgain.next('joined', () => true, 15_000)).resumed, true);

  // Every member, including the two whose sockets never broke, gets B's SFU room under a later epoch.
  for (const c of [docAgain, ...guests]) {
    const next = await c.next('sfu-session', (m) => !m.standby, 15_000);
    assert.ok(next.epoch > first, `epoch ${next.epoch} after the dead node's ${first}`);
  }
  // And B's room serves them: a transport on it.
  guests[0]!.send({ type: 'sfu-transport-create', requestId: 1, direction: 'send' });
  const transport = await guests[0]!.next('sfu-transport', (m) => m.requestId === 1);
  assert.ok(transport.transport.iceCandidates.length > 0);
  for (const c of [docAgain, ...guests]) c.socket.close();
});
