// What a cluster refuses (docs/cluster.md): node-to-node messages that are forged, replayed or stale never reach
// a client, a stale owner's message (older fence) is dropped by the gateway, and a stale lease holder's snapshot
// write is refused by Redis. Real server process, real Redis (keys under this run's prefix), real PostgreSQL.
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { ClusterEnvelope, ClusterMessage, RoomSnapshot } from '@consulta/protocol';
import { createStaffUser, openDatabase, RoomLeases, RoomStore } from '@consulta/server';
import { Redis } from 'ioredis';
import { HttpClient } from '../support/http.ts';
import { createTestDatabase } from '../support/postgres.ts';
import { dropRedisPrefix } from '../support/redis-prefix.ts';
import { type ServerProcess, startServerProcess } from '../support/server-process.ts';
import { SignalingClient } from '../support/signaling-client.ts';

const prefix = `consulta-test-${randomBytes(6).toString('hex')}:`;
const secret = randomBytes(32).toString('hex');
const redis = new Redis('redis://127.0.0.1:6379', { keyPrefix: prefix, lazyConnect: true });
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let prisma: Awaited<ReturnType<typeof openDatabase>>;
let node: ServerProcess;
let client: SignalingClient;
const staff = { email: 'dr.bus@example.test', password: 'a-long-correct-password' };

before(async () => {
  await redis.connect();
  db = await createTestDatabase();
  prisma = await openDatabase({ url: db.url, dataDir: '' });
  await createStaffUser(prisma.prisma, { ...staff, displayName: 'Dr Bus', role: 'CLINICIAN' });
  node = await startServerProcess({
    databaseUrl: db.url,
    redisUrl: 'redis://127.0.0.1:6379',
    redisKeyPrefix: prefix,
    cookieSecret: randomBytes(32).toString('hex'),
    clusterSecret: secret,
    nodeId: 'node-x',
  });
  const http = new HttpClient(node.url);
  assert.equal((await http.post('/api/auth/sign-in', staff)).status, 200);
  client = await SignalingClient.connect(node.url, http.cookieHeader);
});

after(async () => {
  client?.socket.close();
  await node?.close();
  await prisma?.close();
  await db?.drop();
  await dropRedisPrefix(prefix);
  redis.disconnect();
});

/** A frame as a node seals it: `<HMAC-SHA-256 of the JSON, base64url>.<JSON>`. */
function frame(body: ClusterMessage, o: { key?: string; at?: number } = {}): string {
  const envelope: ClusterEnvelope = {
    from: 'node-test',
    at: o.at ?? Date.now(),
    nonce: randomBytes(12).toString('hex'),
    body,
  };
  const json = JSON.stringify(envelope);
  return `${createHmac('sha256', o.key ?? secret)
    .update(json)
    .digest('base64url')}.${json}`;
}

/** A chat for every socket id the node may have given out (the test's socket is one of the first). */
async function publishChat(text: string, fence: number, sealed: (b: ClusterMessage) => string = frame) {
  const channel = `${prefix}cluster:node:node-x`;
  const frames: string[] = [];
  for (let linkId = 1; linkId <= 5; linkId++) {
    const f = sealed({
      type: 'deliver',
      consultationId: 'bus-test-room',
      fence,
      linkId,
      message: { type: 'chat', from: 'someone', text, at: new Date().toISOString() },
    });
    frames.push(f);
    await redis.publish(channel, f);
  }
  return frames;
}

describe('the bus and the fences', () => {
  test('forged, replayed, stale and out-of-fence messages never reach a socket; genuine ones do', async () => {
    const genuine = await publishChat('genuine 1', 10);
    assert.equal((await client.next('chat')).text, 'genuine 1');
    // One Redis connection publishes in order: everything below arrives before "genuine 2".
    for (const f of genuine) await redis.publish(`${prefix}cluster:node:node-x`, f); // replayed
    await publishChat('forged', 10, (b) => frame(b, { key: randomBytes(32).toString('hex') }));
    await publishChat('stale', 10, (b) => frame(b, { at: Date.now() - 60_000 }));
    await publishChat('from the future', 10, (b) => frame(b, { at: Date.now() + 60_000 }));
    await publishChat('old owner', 9);
    await redis.publish(`${prefix}cluster:node:node-x`, `not-a-signature.${JSON.stringify({ from: 'x' })}`);
    await publishChat('genuine 2', 11);
    assert.equal((await client.next('chat')).text, 'genuine 2');
    assert.deepEqual(
      client.pending().filter((m) => m.type === 'chat'),
      [],
      'nothing else got through',
    );
  });

  test('a stale lease holder cannot renew, and its snapshot write is refused', async () => {
    const room = `fence-${randomBytes(4).toString('hex')}`;
    const old = new RoomLeases(redis, 'node-old', 300, 60_000);
    const next = new RoomLeases(redis, 'node-new', 3000, 60_000);
    const store = new RoomStore(redis, 60_000);
    const snapshot = (fence: number, title: string): RoomSnapshot => ({
      consultationId: room,
      fence,
      plan: { version: fence === oldFence ? 1 : 2, topology: 'p2p', quality: 'hd', reasons: [], edges: [] },
      recording: 'off',
      members: [],
      lobby: [
        {
          participantId: title,
          peer: {
            id: title,
            displayName: title,
            role: 'PATIENT',
            uplinkKbps: null,
            downlinkKbps: null,
            connected: true,
          },
          via: { node: 'n', linkId: 1, sessionId: 's', ip: '' },
        },
      ],
    });

    const oldFence = (await old.acquire(room))!;
    assert.ok(oldFence > 0);
    assert.equal(await next.acquire(room), null, 'held: nobody else takes it');
    assert.equal(await store.save(snapshot(oldFence, 'old')), true);
    // The old holder stalls past its lease (300 ms); the new one takes the room with a greater fence.
    const newFence = await waitFor(() => next.acquire(room));
    assert.ok(newFence > oldFence, `${newFence} > ${oldFence}`);
    assert.equal(await old.renew(room, oldFence), 0, 'the stale holder learns it lost the room');
    assert.equal(await store.save(snapshot(newFence, 'new')), true);
    assert.equal(await store.save(snapshot(oldFence, 'stale')), false, 'the stale write is refused');
    assert.equal((await store.load(room))?.lobby[0]?.participantId, 'new');
    // Even a lease taken over from a holder that is gone keeps the fences growing.
    const taken = await old.takeOver(room, { node: 'node-new', fence: newFence });
    assert.ok(taken !== null && taken > newFence);
    assert.equal(await store.save(snapshot(newFence, 'split brain')), false);
  });
});

async function waitFor<T>(attempt: () => Promise<T | null>): Promise<T> {
  for (;;) {
    const value = await attempt();
    if (value !== null) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}
