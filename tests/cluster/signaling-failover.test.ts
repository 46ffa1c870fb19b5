// Signaling past one process (docs/cluster.md, phase 1): real server processes on loopback as nodes of one
// cluster, sharing the local PostgreSQL and the real Redis (127.0.0.1:6379, keys under this run's own prefix,
// removed afterwards). A clinician on one node and a patient on another share a call; a node that is stopped
// (SIGTERM) or killed (SIGKILL) loses no one: its clients resume on the other node and their peer sees no leave.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { ServerMessage } from '@consulta/protocol';
import { Redis } from 'ioredis';
import { createConsultation, tokenFromEmail } from '../support/consultation.ts';
import { HttpClient } from '../support/http.ts';
import { REDIS_URL } from '../support/redis-prefix.ts';
import type { ServerProcess } from '../support/server-process.ts';
import { SignalingClient } from '../support/signaling-client.ts';
import { TestCluster } from '../support/test-cluster.ts';

/** The sender's stream a signal is about (any id will do: the server relays it). */
const STREAM = 'camera';
let redis: Redis;
let cluster: TestCluster;
const staff = { email: 'dr.cluster@example.test', password: 'a-long-correct-password' };

before(async () => {
  cluster = await TestCluster.start({ staff: [{ ...staff, displayName: 'Dr Cluster', role: 'CLINICIAN' }] });
  redis = new Redis(REDIS_URL, { keyPrefix: cluster.prefix });
});

after(async () => {
  await cluster?.close();
  redis?.disconnect();
});

async function signedIn(node: ServerProcess): Promise<HttpClient> {
  const http = new HttpClient(node.url);
  const res = await http.post('/api/auth/sign-in', staff);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return http;
}

/** A guest invited by email who opens the link on `node`. */
async function guestOn(node: ServerProcess, clinician: HttpClient, consultationId: string) {
  const n = randomBytes(3).toString('hex');
  const sent = await clinician.post(`/api/consultations/${consultationId}/invites`, {
    email: `guest-${n}@example.test`,
    displayName: `Patient ${n}`,
  });
  assert.equal(sent.status, 201, JSON.stringify(sent.body));
  const http = new HttpClient(node.url);
  const opened = await http.post<{ guest: { participantId: string } }>('/api/invites/open', {
    token: await tokenFromEmail(cluster.smtp),
  });
  assert.equal(opened.status, 200, JSON.stringify(opened.body));
  return { http, participantId: opened.body.guest.participantId };
}

/** The guest joins on its node, waits in the lobby, and the clinician (anywhere) admits it. */
async function admitted(
  guest: { http: HttpClient; participantId: string },
  node: ServerProcess,
  doc: SignalingClient,
  consultationId: string,
) {
  const ws = await SignalingClient.connect(node.url, guest.http.cookieHeader);
  ws.send({ type: 'join', consultationId });
  await ws.next('waiting');
  await doc.next('lobby', (m) => m.waiting.some((p) => p.id === guest.participantId));
  doc.send({ type: 'admit', participantId: guest.participantId });
  const joined = await ws.next('joined');
  return { ws, joined };
}

async function resume(node: ServerProcess, cookie: string, consultationId: string, resumeToken: string) {
  const ws = await SignalingClient.connect(node.url, cookie);
  ws.send({ type: 'join', consultationId, resumeToken });
  return { ws, joined: await ws.next('joined', () => true, 15_000) };
}

const leases = async (consultationId: string) =>
  (await redis.get(`rooms:${consultationId}:lease`))?.split(' ');
const noLeave = (ws: SignalingClient) =>
  assert.deepEqual(
    ws.pending().filter((m: ServerMessage) => m.type === 'peer-left'),
    [],
    'nobody saw a leave',
  );

describe('signaling across two nodes', () => {
  let consultationId: string;
  let clinician: HttpClient;
  let doc: SignalingClient;
  let docToken: string;
  let patient: SignalingClient;
  let patientId: string;
  let version: number;

  test('clinician on node A and patient on node B: one room, one plan sequence, signals both ways', async () => {
    clinician = await signedIn(cluster.node('a'));
    consultationId = (await createConsultation(clinician, 'Across nodes')).id;
    doc = await SignalingClient.connect(cluster.node('a').url, clinician.cookieHeader);
    doc.send({ type: 'join', consultationId });
    const docJoined = await doc.next('joined');
    docToken = docJoined.resumeToken;
    assert.deepEqual(await leases(consultationId), ['node-a', (await leases(consultationId))![1]]);

    const guest = await guestOn(cluster.node('b'), clinician, consultationId);
    patientId = guest.participantId;
    const p = await admitted(guest, cluster.node('b'), doc, consultationId);
    patient = p.ws;
    // The plan that followed the admission reached both sockets, on both nodes, with one version.
    const patientPlan = await patient.next('plan');
    assert.equal(patientPlan.plan.version, p.joined.plan.version + 1);
    const docPlan = await doc.next('plan', (m) => m.plan.version === patientPlan.plan.version);
    assert.deepEqual(patientPlan.plan, docPlan.plan);
    version = docPlan.plan.version;
    await doc.next('peer-joined', (m) => m.peer.id === patientId);

    doc.send({
      type: 'signal',
      streamId: STREAM,
      to: patientId,
      data: { kind: 'description' as const, description: { type: 'offer' as const, sdp: 'offer-from-a' } },
    });
    const atPatient = await patient.next('signal');
    assert.equal(atPatient.from, docJoined.self.id);
    assert.deepEqual(atPatient.data, {
      kind: 'description' as const,
      description: { type: 'offer' as const, sdp: 'offer-from-a' },
    });
    patient.send({
      type: 'signal',
      streamId: STREAM,
      to: docJoined.self.id,
      data: { kind: 'description' as const, description: { type: 'answer' as const, sdp: 'answer-from-b' } },
    });
    assert.deepEqual((await doc.next('signal')).data, {
      kind: 'description' as const,
      description: { type: 'answer' as const, sdp: 'answer-from-b' },
    });
    patient.send({ type: 'chat', text: 'hello from node B' });
    assert.equal((await doc.next('chat')).text, 'hello from node B');

    // A session that ends on one node loses its sockets on the others at once.
    const elsewhere = await signedIn(cluster.node('a'));
    const socketOnB = await SignalingClient.connect(cluster.node('b').url, elsewhere.cookieHeader);
    assert.equal((await elsewhere.post('/api/auth/sign-out')).status < 300, true);
    assert.equal((await socketOnB.closed).code, 4011);
  });

  test('SIGTERM on node A: its client gets 4503, resumes on B, the patient sees no leave, B plans next', async (t) => {
    const started = Date.now();
    const stopping = cluster.kill('a', 'SIGTERM');
    const closed = await doc.closed;
    const closedAt = Date.now();
    assert.equal(closed.code, 4503);
    const resumed = await resume(cluster.node('b'), clinician.cookieHeader, consultationId, docToken);
    const resumedAt = Date.now();
    await stopping;
    assert.equal(resumed.joined.resumed, true);
    assert.deepEqual(
      resumed.joined.peers.map((p) => p.id),
      [patientId],
    );
    assert.equal(resumed.joined.plan.version, version);
    t.diagnostic(`SIGTERM → 4503 ${closedAt - started} ms; SIGTERM → resumed on B ${resumedAt - started} ms`);
    doc = resumed.ws;
    docToken = resumed.joined.resumeToken;
    // The clinician's browser talks to B now (a load balancer would send it there).
    clinician = await signedIn(cluster.node('b'));

    // The next plan comes from node B and continues the sequence: a second guest joins there.
    const second = await guestOn(cluster.node('b'), clinician, consultationId);
    await admitted(second, cluster.node('b'), doc, consultationId);
    const next = await patient.next('plan', (m) => m.plan.version > version);
    assert.equal(next.plan.version, version + 1);
    assert.equal((await doc.next('plan', (m) => m.plan.version === version + 1)).plan.version, version + 1);
    version = next.plan.version;
    assert.equal((await leases(consultationId))![0], 'node-b');
    noLeave(patient);
  });

  test('SIGKILL on the owner: its client resumes on the other node, nobody sees a leave, the lease moves', async (t) => {
    // Node C takes the clinician; the room moves to C when the clinician's socket there acts on it first.
    const nodeC = await cluster.startNode('c');
    const clinicianC = await signedIn(nodeC);
    const consult = (await createConsultation(clinicianC, 'Crash')).id;
    const docC = await SignalingClient.connect(nodeC.url, clinicianC.cookieHeader);
    docC.send({ type: 'join', consultationId: consult });
    const joined = await docC.next('joined');
    const guest = await guestOn(cluster.node('b'), clinician, consult);
    const p = await admitted(guest, cluster.node('b'), docC, consult);
    const plan = await p.ws.next('plan', (m) => m.plan.version === p.joined.plan.version + 1);
    const [owner, fence] = (await leases(consult))!;
    assert.equal(owner, 'node-c');

    const started = Date.now();
    await cluster.kill('c');
    const closed = await docC.closed;
    assert.notEqual(closed.code, 4503, 'a killed node says nothing');
    const resumed = await resume(cluster.node('b'), clinicianC.cookieHeader, consult, joined.resumeToken);
    const resumedAt = Date.now();
    assert.equal(resumed.joined.resumed, true);
    assert.equal(resumed.joined.plan.version, plan.plan.version);
    t.diagnostic(`SIGKILL → resumed on B ${resumedAt - started} ms`);
    const [newOwner, newFence] = (await leases(consult))!;
    assert.equal(newOwner, 'node-b');
    assert.ok(Number(newFence) > Number(fence), `fence ${newFence} > ${fence}`);

    // Signals flow again, and the next plan continues the version sequence from B.
    resumed.ws.send({
      type: 'signal',
      streamId: STREAM,
      to: guest.participantId,
      data: { kind: 'candidate' as const, candidate: null },
    });
    assert.deepEqual((await p.ws.next('signal')).data, { kind: 'candidate' as const, candidate: null });
    const second = await guestOn(cluster.node('b'), clinician, consult);
    await admitted(second, cluster.node('b'), resumed.ws, consult);
    assert.equal(
      (await p.ws.next('plan', (m) => m.plan.version > plan.plan.version)).plan.version,
      plan.plan.version + 1,
    );
    noLeave(p.ws);
  });
});
