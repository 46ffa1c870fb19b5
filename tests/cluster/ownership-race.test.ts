// Two messages for a room whose owner died reach one node at once (a member's resume, another member's report):
// the node takes the room over once, under one fence, and both messages find it running there. Before, the
// takeover and the join each took a fence: the first loaded the snapshot and resumed the member (a new resume
// token, whose write the second fence refused), the second reloaded the older snapshot, and the member's next
// resume failed (tests/cluster/browser-failover.test.ts, once in a few CI runs). Real Redis (keys under this run's
// prefix) with the server's own lease and snapshot code; the rooms beside them are a map in a keyed queue.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { RoomSnapshot } from '@consulta/protocol';
import { RoomLeases, RoomStore } from '@consulta/server';
import { Redis } from 'ioredis';
import { Ownership } from '../../apps/server/src/cluster/ownership.ts';
import { KeyedQueue } from '../../apps/server/src/keyed-queue.ts';
import type { Room } from '../../apps/server/src/signaling/room.ts';
import type { Rooms } from '../../apps/server/src/signaling/rooms.ts';
import { dropRedisPrefix } from '../support/redis-prefix.ts';

const prefix = `consulta-test-${randomBytes(6).toString('hex')}:`;
const redis = new Redis('redis://127.0.0.1:6379', { keyPrefix: prefix, lazyConnect: true });
const LEASE_MS = 10_000;
const TTL_MS = 60_000;

before(() => redis.connect());
after(async () => {
  await dropRedisPrefix(prefix);
  redis.disconnect();
});

/** What a node's Ownership needs of its rooms, and a count of how often a snapshot was adopted. */
function roomsOfNode() {
  const queue = new KeyedQueue();
  const live = new Map<string, Room>();
  let adopted = 0;
  const rooms = {
    within: <T>(id: string, task: () => Promise<T>) => queue.run(id, task),
    get: (id: string) => live.get(id),
    forget: (id: string) => void live.delete(id),
    adopt: (room: Room) => {
      adopted++;
      live.set(room.consultationId, room);
    },
  };
  return { rooms: rooms as unknown as Rooms, adopted: () => adopted };
}

/** A logger keeping the messages of `took a room`. */
function takeLog() {
  const took: unknown[] = [];
  const log = {
    info: (o: unknown, msg?: string) => {
      if (msg === 'took a room') took.push(o);
    },
    warn: () => {},
    error: () => {},
    debug: () => {},
  };
  return { log: log as unknown as ConstructorParameters<typeof Ownership>[0]['log'], took };
}

/**
 * A cluster that has been up a while: Redis' clock shows no gap, so no quiet period after an outage holds takes
 * back (redis-clock.ts; a fresh key prefix would look like a Redis that just came back).
 */
async function clusterUpForAMinute(): Promise<void> {
  const [seconds, micros] = await redis.time();
  const now = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  await redis.set('cluster:up-since', String(now - 60_000));
  await redis.set('cluster:beat', String(now));
}

test('a takeover and a join racing on one node take the dead owner’s room once, under one fence', async () => {
  await clusterUpForAMinute();
  const consultationId = randomUUID();
  // Node A ran the room and wrote its snapshot, then died (its lease is still there, unrenewed).
  const leasesA = new RoomLeases(redis, 'node-a', LEASE_MS, TTL_MS);
  const fenceA = await leasesA.acquire(consultationId);
  assert.ok(fenceA !== null);
  const store = new RoomStore(redis, TTL_MS);
  const snapshot: RoomSnapshot = {
    consultationId,
    fence: fenceA,
    plan: { version: 3, topology: 'p2p', quality: 'hd', reasons: [], edges: [] },
    recording: 'off',
    members: [],
    lobby: [],
  };
  assert.equal(await store.save(snapshot), true);

  const { rooms, adopted } = roomsOfNode();
  const { log, took } = takeLog();
  const b = new Ownership({
    nodeId: 'node-b',
    rooms,
    leases: new RoomLeases(redis, 'node-b', LEASE_MS, TTL_MS),
    store,
    socketOf: () => null,
    linkOf: async () => null,
    lost: () => assert.fail('node B lost the room it just took'),
    log,
  });
  // The resume found nobody on A's channel and takes over; the other member's message asks who owns the room.
  const [viaTakeover, viaJoin] = await Promise.all([
    b.takeOver(consultationId, { node: 'node-a', fence: fenceA }),
    b.owner(consultationId),
  ]);
  assert.equal(viaTakeover, 'self');
  assert.equal(viaJoin, 'self');
  assert.equal(took.length, 1, `taken once: ${JSON.stringify(took)}`);
  assert.equal(adopted(), 1, 'the snapshot was loaded once');
  const lease = await b.holder(consultationId);
  assert.equal(lease, 'self');
  const stored = await new RoomLeases(redis, 'node-c', LEASE_MS, TTL_MS).holder(consultationId);
  assert.deepEqual(stored, { node: 'node-b', fence: b.fenceOf(consultationId) });
  // B's next write goes through: its fence is the room's.
  assert.equal(await store.save({ ...snapshot, fence: b.fenceOf(consultationId)! }), true);
  // And a late second takeover of the same dead lease (a third message) is the room B already runs.
  assert.equal(await b.takeOver(consultationId, { node: 'node-a', fence: fenceA }), 'self');
  assert.equal(took.length, 1);
});
