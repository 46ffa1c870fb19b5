import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Peer, Plan, ServerMessage } from '@consulta/protocol';
import { RelayRole } from './relay-role.ts';

const plan = (version: number, topology: Plan['topology'], edges: Plan['edges']): Plan =>
  ({ version, topology, quality: 'hd', reasons: [], edges }) as unknown as Plan;
const joined = (self: string, p: Plan): ServerMessage =>
  ({
    type: 'joined',
    consultationId: 'c',
    self: { id: self } as Peer,
    peers: [],
    plan: p,
    resumeToken: 't',
    resumed: false,
    lobby: [],
  }) as ServerMessage;

// b forwards a's stream to c; everyone sends their own.
const tree = plan(2, 'tree', [
  { streamId: 'a', parent: 'a', child: 'b' },
  { streamId: 'a', parent: 'b', child: 'c' },
  { streamId: 'b', parent: 'b', child: 'a' },
]);

test('a socket relays once it was told its member forwards someone else’s stream, and stops with the next plan', () => {
  const role = new RelayRole();
  assert.equal(role.relays, false, 'nothing known yet');
  role.seen({ type: 'plan', plan: tree });
  assert.equal(role.relays, false, 'a plan before `joined` names nobody');
  role.seen(joined('b', plan(1, 'p2p', [])));
  assert.equal(role.relays, false, 'p2p: nobody relays');
  role.seen({ type: 'plan', plan: tree });
  assert.equal(role.relays, true);
  role.seen({ type: 'pong', t: 1, serverTime: 2 });
  assert.equal(role.relays, true, 'other messages change nothing');
  role.seen({ type: 'plan', plan: plan(3, 'sfu', []) });
  assert.equal(role.relays, false);
});

test('sending only its own stream is not relaying', () => {
  const role = new RelayRole();
  role.seen(joined('a', tree));
  assert.equal(role.relays, false);
});
