import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  decideTopology,
  defaultPolicyConfig,
  type Participant,
  type PolicyInput,
  platformEgressKbps,
} from '../src/index.ts';
import { screenKbpsAt } from '../src/screen.ts';

const peer = (id: string, uplinkKbps = 20000, downlinkKbps = 50000, relayOnly = false): Participant => ({
  id,
  role: 'CLINICIAN',
  uplinkKbps,
  downlinkKbps,
  relayOnly,
  device: 'desktop',
});
const session = (participants: Participant[], screenSharers?: string[]): PolicyInput => ({
  participants,
  recording: 'off',
  ...(screenSharers ? { screenSharers } : {}),
});

test('a screen costs the level’s video bitrate (what the engine caps it to on peer links), nothing on audio', () => {
  const q = defaultPolicyConfig.qualityKbps;
  assert.equal(screenKbpsAt('hd', defaultPolicyConfig), q.hd - q.audio);
  assert.equal(screenKbpsAt('sd', defaultPolicyConfig), 952);
  assert.equal(screenKbpsAt('low', defaultPolicyConfig), 352);
  assert.equal(screenKbpsAt('audio', defaultPolicyConfig), 0);
});

test('receivers’ downlinks must carry the shared screen too: the quality drops while it would not fit', () => {
  // 3000 kbit/s down (2550 usable): two streams at sd (2000) fit, plus a screen at sd (952) do not.
  const people = [peer('a'), peer('b', 20000, 3000), peer('c', 20000, 3000)];
  const before = decideTopology(session(people));
  assert.equal(before.quality, 'sd');
  assert.ok(!before.reasons.some((r) => r.code === 'screen-share'), 'nobody shares: no screen counted');

  const sharing = decideTopology(session(people, ['a']), before);
  assert.equal(sharing.quality, 'low', 'sd + its screen (2952) exceeds 2550; low + screen (1152) fits');
  const limited = sharing.reasons.filter((r) => r.code === 'quality-limited');
  assert.deepEqual(
    limited.map((r) => [r.peerId, r.limit]),
    [
      ['b', 2952],
      ['c', 2952],
    ],
    'the receivers of the screen are limited; the sharer does not receive its own screen',
  );
  assert.deepEqual(
    sharing.reasons.filter((r) => r.code === 'screen-share'),
    [{ code: 'screen-share', peerId: 'a', value: 352 }],
  );

  // The share stops: back to sd (the upgrade clears the margin: 2000 <= 0.85 x 2550).
  assert.equal(decideTopology(session(people, []), sharing).quality, 'sd');
});

test('a sharer whose uplink cannot carry its stream and its screen is named, with both counted', () => {
  // Two people: p2p at hd. The sharer's 3000 kbit/s up (2550 usable) carries hd (2500), not hd + screen (4952).
  const people = [peer('a', 3000), peer('b')];
  const alone = decideTopology(session(people));
  assert.ok(!alone.reasons.some((r) => r.code === 'quality-limited'));
  const sharing = decideTopology(session(people, ['a']));
  assert.equal(sharing.topology, 'p2p');
  assert.equal(sharing.quality, 'hd', 'a weak sender does not lower the call (docs/routing.md)');
  assert.deepEqual(
    sharing.reasons.find((r) => r.code === 'quality-limited'),
    { code: 'quality-limited', peerId: 'a', value: 2550, limit: 4952 },
  );
});

test('platform egress counts each screen like one more stream of its sharer', () => {
  const base = { participants: 4, relayOnly: 0, bitrateKbps: 1000 };
  const screens = { count: 1, relayOnly: 0, kbps: 952 };
  // SFU: the screen is forwarded to the 3 others.
  assert.equal(platformEgressKbps('sfu', { ...base, screens }), 12 * 1000 + 3 * 952);
  // Nobody on TURN: peer-to-peer paths cost nothing, screens or not.
  assert.equal(platformEgressKbps('p2p', { ...base, screens }), 0);
  assert.equal(platformEgressKbps('tree', { ...base, screens }), 0);
  // One TURN-only receiver: in a mesh it gets the screen through TURN; in a tree at most once.
  const oneTurn = { ...base, relayOnly: 1 };
  const streams = (t: 'p2p' | 'tree') => platformEgressKbps(t, oneTurn);
  assert.equal(platformEgressKbps('p2p', { ...oneTurn, screens }) - streams('p2p'), 952);
  assert.equal(platformEgressKbps('tree', { ...oneTurn, screens }) - streams('tree'), 952);
  // The sharer itself on TURN: in a mesh all its 3 screen copies cross TURN.
  const turnSharer = { ...screens, relayOnly: 1 };
  assert.equal(platformEgressKbps('p2p', { ...oneTurn, screens: turnSharer }) - streams('p2p'), 3 * 952);
  // Without screens the figures are the streams' alone.
  assert.equal(platformEgressKbps('sfu', { ...base, screens: { count: 0, relayOnly: 0, kbps: 952 } }), 12000);
});

test('the decision’s egress includes the screen at the chosen quality', () => {
  const people = [peer('a'), peer('b'), peer('c'), peer('d')];
  const plain = decideTopology(session(people));
  const shared = decideTopology(session(people, ['a']));
  assert.equal(shared.quality, plain.quality);
  const screen = screenKbpsAt(shared.quality, defaultPolicyConfig);
  assert.equal((shared.egressKbps.sfu ?? 0) - (plain.egressKbps.sfu ?? 0), 3 * screen);
});

test('a sharer id that is not in the session counts for nothing', () => {
  const people = [peer('a'), peer('b'), peer('c')];
  assert.deepEqual(decideTopology(session(people, ['gone'])), decideTopology(session(people)));
});
