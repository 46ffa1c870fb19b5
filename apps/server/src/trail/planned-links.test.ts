import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Plan } from '@consulta/protocol';
import { plannedLinks } from './planned-links.ts';

const plan = (p: Partial<Plan>): Plan => ({
  version: 1,
  topology: 'p2p',
  quality: 'hd',
  reasons: [],
  edges: [],
  ...p,
});

test('p2p: one mesh link per ordered pair', () => {
  const links = plannedLinks(plan({}), ['a', 'b', 'c']);
  assert.equal(links.length, 6);
  assert.ok(links.every((l) => l.link === 'mesh' && l.peerId !== l.participantId));
});

test('tree: a relayed stream names its relay on both ends; a sender sending its own does not', () => {
  const links = plannedLinks(
    plan({
      topology: 'tree',
      edges: [
        { streamId: 'a', parent: 'a', child: 'b' },
        { streamId: 'a', parent: 'b', child: 'c' },
        { streamId: 'a', parent: 'b', child: 'gone' },
      ],
    }),
    ['a', 'b', 'c'],
  );
  assert.deepEqual(
    links.map((l) => [l.participantId, l.link, l.peerId, l.streamOwnerId, l.relayedById]),
    [
      ['b', 'recv', 'a', 'a', null],
      ['a', 'send', 'b', 'a', null],
      ['c', 'recv', 'b', 'a', 'b'],
      ['b', 'send', 'c', 'a', 'b'],
    ],
  );
});

test('sfu: a send and a receive transport per member', () => {
  const links = plannedLinks(plan({ topology: 'sfu' }), ['a', 'b']);
  assert.deepEqual(
    links.map((l) => `${l.participantId}:${l.link}`),
    ['a:sfu-send', 'a:sfu-recv', 'b:sfu-send', 'b:sfu-recv'],
  );
});
