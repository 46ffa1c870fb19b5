import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Member } from '../signaling/member.ts';
import { Room } from '../signaling/room.ts';
import { PolicyRoutePlanner } from './policy-route-planner.ts';

const peer = (id: string, role: Member['peer']['role']) => ({
  id,
  displayName: id,
  role,
  uplinkKbps: 20_000,
  downlinkKbps: 20_000,
  connected: true,
});

function member(id: string, role: Member['peer']['role']): Member {
  return {
    participantId: id,
    kind: role === 'CLINICIAN' ? 'staff' : 'guest',
    peer: peer(id, role),
    relayOnly: false,
    device: 'laptop',
    resumeTokenHash: '',
    link: null,
    graceTimer: null,
  };
}

const wait = (room: Room, id: string) =>
  room.lobby.set(id, {
    participantId: id,
    peer: peer(id, 'FAMILY'),
    link: null as never,
    bandwidth: { uplinkKbps: 20_000, downlinkKbps: 20_000 },
  });

test('foresee: the topology with the waiting guests admitted, without touching the room’s planning', () => {
  const planner = new PolicyRoutePlanner({ treeMaxParticipants: 2, rebalanceMaxEdgeChanges: 4 });
  const room = new Room('c1');
  room.members.set('doc', member('doc', 'CLINICIAN'));
  room.members.set('pat', member('pat', 'PATIENT'));
  const before = planner.plan(room);
  assert.equal(before.topology, 'p2p');
  assert.equal(planner.foresee(room), 'p2p', 'nobody waits: as now');

  wait(room, 'fam');
  assert.equal(planner.foresee(room), 'sfu', 'a third person is past treeMaxParticipants');
  assert.deepEqual(planner.plan(room), before, 'the plan itself still has two people');
  assert.equal(planner.wantsReplan('c1'), false, 'a dry run leaves nothing pending');

  const noSfu = new PolicyRoutePlanner({ treeMaxParticipants: 2, rebalanceMaxEdgeChanges: 4 }, () => false);
  assert.notEqual(noSfu.foresee(room), 'sfu', 'without an SFU the policy never foresees one');
});
