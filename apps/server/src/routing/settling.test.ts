import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Member } from '../signaling/member.ts';
import { Room } from '../signaling/room.ts';
import { PolicyRoutePlanner } from './policy-route-planner.ts';

// Four laptops: at 20 Mbit/s up each can relay and trees fit; at 5 Mbit/s they cannot (relay-capacity-too-low).
function member(id: string, uplinkKbps: number): Member {
  return {
    participantId: id,
    kind: 'guest',
    peer: { id, displayName: id, role: 'FAMILY', uplinkKbps, downlinkKbps: 20_000, connected: true },
    relayOnly: false,
    device: 'laptop',
    resumeTokenHash: '',
    link: null,
    graceTimer: null,
  };
}
const setUplinks = (room: Room, kbps: number) => {
  for (const id of ['a', 'b', 'c', 'd']) room.members.set(id, member(id, kbps));
};

test('settling: back to a tree only once none has failed to fit for treeRetrySeconds, with the same people', () => {
  let now = 1_000_000;
  const planner = new PolicyRoutePlanner(
    {
      treeMaxParticipants: 6,
      rebalanceMaxEdgeChanges: 4,
      treeRetrySeconds: 20,
      // Every report may reach the planner at once: this is about time, not the report budget.
      bandwidthChanges: { perMinute: 600, burst: 100 },
    },
    () => true,
    () => now,
  );
  const room = new Room('c1');
  setUplinks(room, 5000);
  const first = planner.plan(room);
  assert.equal(first.topology, 'sfu');
  assert.equal(first.reasons[0]?.code, 'relay-capacity-too-low');
  assert.equal(planner.wantsReplan('c1'), false);

  now += 5_000;
  setUplinks(room, 20_000);
  const held = planner.plan(room);
  assert.equal(held.topology, 'sfu');
  assert.deepEqual(held.reasons[0], { code: 'settling', topology: 'sfu', limit: 20 });
  assert.equal(
    planner.wantsReplan('c1'),
    true,
    'the background round replans it, to move when the hold is over',
  );

  // The figures dip again at 15 s: the 20 s count from there.
  now += 10_000;
  setUplinks(room, 5000);
  assert.equal(planner.plan(room).reasons[0]?.code, 'relay-capacity-too-low');
  now += 12_000;
  setUplinks(room, 20_000);
  assert.equal(planner.plan(room).reasons[0]?.code, 'settling', '12 s after the dip');
  now += 8_000;
  const moved = planner.plan(room);
  assert.equal(moved.topology, 'tree', JSON.stringify(moved.reasons));
  assert.equal(planner.wantsReplan('c1'), false);

  // New people: a new situation. The SFU for a tree that did not fit five, then one leaves: no hold.
  room.members.set('e', member('e', 5000));
  setUplinks(room, 5000);
  assert.equal(planner.plan(room).topology, 'sfu');
  now += 1_000;
  room.members.delete('e');
  setUplinks(room, 20_000);
  assert.equal(planner.plan(room).topology, 'tree');
});
