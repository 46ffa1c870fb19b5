// A cluster whose Redis goes away (docs/cluster.md, "Redis outages"): two server processes on a Redis of this
// test's own (so it can be paused and killed; the machine's shared Redis is never touched) and the local
// PostgreSQL. A clinician on node A and a patient on node B share a call. Redis is paused for 5 s (nothing
// answers, the connections stay open) and later killed and restarted empty after 5 s: node A keeps serving the
// room it holds, what either side sent meanwhile arrives once Redis is back, nobody sees a leave, node A still
// holds the room under the same fence, the state in Redis has every change made during the outage, and the next
// plan continues the sequence.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RoomSnapshot, ServerMessage } from '@consulta/protocol';
import { Redis } from 'ioredis';
import { createConsultation, inviteAndOpen } from '../support/consultation.ts';
import { HttpClient } from '../support/http.ts';
import { type OwnRedis, startOwnRedis } from '../support/redis-server.ts';
import { SignalingClient } from '../support/signaling-client.ts';
import { TestCluster } from '../support/test-cluster.ts';

const OUTAGE_MS = 5000;
const prefix = 'consulta-outage:';
let own: OwnRedis;
let redis: Redis;
let cluster: TestCluster;
const staff = { email: 'dr.outage@example.test', password: 'a-long-correct-password' };

before(async () => {
  own = await startOwnRedis();
  // The test's own look at Redis waits for it like the nodes do.
  redis = new Redis(own.url, { keyPrefix: prefix, maxRetriesPerRequest: null, retryStrategy: () => 100 });
  redis.on('error', () => undefined);
  cluster = await TestCluster.start({
    staff: [{ ...staff, displayName: 'Dr Outage', role: 'CLINICIAN' }],
    redis: { url: own.url, prefix },
  });
});

after(async () => {
  await cluster?.close();
  redis?.disconnect();
  await own?.stop();
});

const lease = async (id: string) => (await redis.get(`rooms:${id}:lease`))?.split(' ') ?? null;
const snapshot = async (id: string) => {
  const raw = await redis.get(`rooms:${id}:state`);
  return raw ? (JSON.parse(raw) as RoomSnapshot) : null;
};
const noLeave = (...clients: SignalingClient[]) => {
  for (const ws of clients)
    assert.deepEqual(
      ws.pending().filter((m: ServerMessage) => m.type === 'peer-left'),
      [],
      'nobody saw a leave',
    );
};

/** Polls Redis (not a client event: the snapshot write is Redis' own) until `check` holds. */
async function until<T>(what: string, check: () => Promise<T | null | undefined | false>): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('a cluster while its Redis is away', () => {
  let consultationId: string;
  let clinician: HttpClient;
  let doc: SignalingClient;
  let docId: string;
  let patient: SignalingClient;
  let patientId: string;
  let version: number;
  let fence: string;

  before(async () => {
    clinician = new HttpClient(cluster.node('a').url);
    assert.equal((await clinician.post('/api/auth/sign-in', staff)).status, 200);
    consultationId = (await createConsultation(clinician, 'Outage')).id;
    doc = await SignalingClient.connect(cluster.node('a').url, clinician.cookieHeader);
    doc.send({ type: 'join', consultationId });
    docId = (await doc.next('joined')).self.id;
    const guest = await inviteAndOpen(cluster.node('b'), cluster.smtp, clinician, consultationId, {
      role: 'PATIENT',
    });
    patientId = guest.opened.guest.participantId;
    patient = await SignalingClient.connect(cluster.node('b').url, guest.http.cookieHeader);
    patient.send({ type: 'join', consultationId });
    await patient.next('waiting');
    await doc.next('lobby', (m) => m.waiting.some((p) => p.id === patientId));
    doc.send({ type: 'admit', participantId: patientId });
    const joined = await patient.next('joined');
    version = (await patient.next('plan', (m) => m.plan.version > joined.plan.version)).plan.version;
    await doc.next('plan', (m) => m.plan.version === version);
    const held = await lease(consultationId);
    assert.equal(held?.[0], 'node-a');
    fence = held![1]!;
  });

  /**
   * While Redis is away both sides act: the clinician (on the owner) chats, which node A serves at once, and
   * mutes; the patient (on node B, which must reach A through Redis) mutes and sends a signal.
   */
  async function actDuringOutage(round: number): Promise<void> {
    doc.send({ type: 'chat', text: `doc ${round}` });
    assert.equal((await doc.next('chat', (m) => m.text === `doc ${round}`)).from, docId, 'A serves its room');
    const muted = round % 2 === 1;
    doc.send({ type: 'media-state', media: { audioMuted: muted, videoMuted: false, screenSharing: false } });
    patient.send({
      type: 'media-state',
      media: { audioMuted: false, videoMuted: muted, screenSharing: false },
    });
    patient.send({
      type: 'signal',
      streamId: 'camera',
      to: docId,
      data: { kind: 'candidate' as const, candidate: null },
    });
  }

  /**
   * Everything sent during the outage arrived, the room is A's under the same fence, its state complete. Returns
   * how long after `back` the first message from the outage reached the other node's client.
   */
  async function afterOutage(round: number, back: number): Promise<number> {
    const muted = round % 2 === 1;
    assert.equal((await patient.next('chat', (m) => m.text === `doc ${round}`)).from, docId);
    const firstRelayed = Date.now() - back;
    const docMedia = await patient.next('peer-updated', (m) => m.peer.id === docId);
    assert.equal(docMedia.peer.media?.audioMuted, muted);
    const patientMedia = await doc.next('peer-updated', (m) => m.peer.id === patientId);
    assert.equal(patientMedia.peer.media?.videoMuted, muted);
    assert.equal((await doc.next('signal')).from, patientId);
    // The relay works both ways again.
    doc.send({ type: 'chat', text: `after ${round}` });
    assert.equal((await patient.next('chat', (m) => m.text === `after ${round}`)).from, docId);
    patient.send({ type: 'chat', text: `patient after ${round}` });
    assert.equal((await doc.next('chat', (m) => m.text === `patient after ${round}`)).from, patientId);
    noLeave(doc, patient);

    assert.deepEqual(await lease(consultationId), ['node-a', fence], 'A kept the room under the same fence');
    const state = await until('the room state with the changes made during the outage', async () => {
      const s = await snapshot(consultationId);
      const byId = new Map(s?.members.map((m) => [m.participantId, m]) ?? []);
      return byId.get(docId)?.peer.media?.audioMuted === muted &&
        byId.get(patientId)?.peer.media?.videoMuted === muted
        ? s
        : null;
    });
    assert.equal(state.fence, Number(fence));
    assert.equal(state.plan.version, version);
    assert.deepEqual(state.members.map((m) => m.participantId).sort(), [docId, patientId].sort());

    // The next plan comes from A and continues the sequence: a second guest joins on B.
    const guest = await inviteAndOpen(cluster.node('b'), cluster.smtp, clinician, consultationId);
    const ws = await SignalingClient.connect(cluster.node('b').url, guest.http.cookieHeader);
    ws.send({ type: 'join', consultationId });
    await ws.next('waiting');
    await doc.next('lobby', (m) => m.waiting.some((p) => p.id === guest.opened.guest.participantId));
    doc.send({ type: 'admit', participantId: guest.opened.guest.participantId });
    await ws.next('joined');
    const next = await patient.next('plan', (m) => m.plan.version > version);
    assert.equal(next.plan.version, version + 1);
    assert.equal((await doc.next('plan', (m) => m.plan.version === version + 1)).plan.version, version + 1);
    version = next.plan.version;
    // The guest leaves (a leave on purpose; the checks above are for the two who stay).
    ws.send({ type: 'leave' });
    await doc.next('peer-left', (m) => m.peerId === guest.opened.guest.participantId);
    await patient.next('peer-left', (m) => m.peerId === guest.opened.guest.participantId);
    version = (await patient.next('plan', (m) => m.plan.version > version)).plan.version;
    await doc.next('plan', (m) => m.plan.version === version);
    await ws.close();
    assert.deepEqual(await lease(consultationId), ['node-a', fence]);
    return firstRelayed;
  }

  const withOutput = (err: Error) => {
    throw new Error(
      `${err.message}\nnode A:\n${cluster.node('a').output()}\nnode B:\n${cluster.node('b').output()}`,
    );
  };

  test('Redis unreachable for 5 s (paused): nothing lost, no leave, A keeps the room', async (t) => {
    own.pause();
    const started = Date.now();
    try {
      await actDuringOutage(1);
      // The outage itself is a fixed time: that is what is being tested.
      await new Promise((r) => setTimeout(r, OUTAGE_MS - (Date.now() - started)));
    } finally {
      own.resume();
    }
    const relayed = await afterOutage(1, Date.now()).catch(withOutput);
    t.diagnostic(`first message from the outage relayed ${relayed} ms after Redis answered again`);
  });

  test('Redis killed, and restarted empty after 5 s: the holders write everything again', async (t) => {
    await own.kill();
    const started = Date.now();
    await actDuringOutage(2);
    await new Promise((r) => setTimeout(r, OUTAGE_MS - (Date.now() - started)));
    await own.restart();
    const relayed = await afterOutage(2, Date.now()).catch(withOutput);
    t.diagnostic(`first message from the outage relayed ${relayed} ms after Redis was back`);
  });
});
