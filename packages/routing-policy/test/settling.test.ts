import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  decideTopology,
  defaultPolicyConfig,
  foundNoTreeFit,
  type Participant,
  type PolicyDecision,
} from '../src/index.ts';

// Four desktops: with 20 Mbit/s up each can relay, so trees fit at hd (and cost less than the SFU); with 5 Mbit/s
// up they cannot carry everyone's copies (relay-capacity-too-low), so the call goes to the SFU.
const group = (uplinkKbps: number | undefined, ids = ['a', 'b', 'c', 'd']): Participant[] =>
  ids.map((id) => ({
    id,
    role: 'PATIENT',
    ...(uplinkKbps === undefined ? {} : { uplinkKbps, downlinkKbps: 20_000 }),
    device: 'desktop',
  }));
const decide = (participants: Participant[], previous?: PolicyDecision, since?: number) =>
  decideTopology(
    { participants, recording: 'off', ...(since === undefined ? {} : { sinceNoTreeFitSeconds: since }) },
    previous,
  );
const LIMIT = defaultPolicyConfig.hysteresis.treeRetrySeconds;

describe('after the SFU because no tree fit', () => {
  const noTree = decide(group(5000));
  test('the starting point: no tree fits, the SFU', () => {
    assert.equal(noTree.topology, 'sfu');
    assert.equal(noTree.reasons[0]?.code, 'relay-capacity-too-low');
    assert.ok(foundNoTreeFit(noTree));
    assert.equal(decide(group(20_000)).topology, 'tree', 'the better figures alone pick a tree');
  });

  test('a tree that fits again waits until none has failed to fit for treeRetrySeconds, same people', () => {
    const early = decide(group(20_000), noTree, 4);
    assert.equal(early.topology, 'sfu');
    assert.deepEqual(early.reasons[0], { code: 'settling', topology: 'sfu', limit: LIMIT });
    assert.ok(!foundNoTreeFit(early), 'settling is not a new finding: the time since the last one runs on');
    // Still settling later on (the reason is the same, so the plan is unchanged and nothing is re-sent).
    const later = decide(group(20_000), early, LIMIT - 1);
    assert.deepEqual(later, early);
    const over = decide(group(20_000), later, LIMIT);
    assert.equal(over.topology, 'tree');
    assert.equal(over.reasons[0]?.code, 'tree-cheaper');
  });

  test('figures that fall again while settling keep the SFU for the tree not fitting (the caller restarts the time)', () => {
    const early = decide(group(20_000), noTree, 2);
    const worse = decide(group(5000), early, 5);
    assert.equal(worse.topology, 'sfu');
    assert.equal(worse.reasons[0]?.code, 'relay-capacity-too-low');
    assert.ok(foundNoTreeFit(worse));
  });

  test('no hold when the people changed (the time unknown) or the SFU was a guess on unreported figures', () => {
    assert.equal(decide(group(20_000), noTree).topology, 'tree');
    const guessed = decide(group(undefined));
    assert.equal(guessed.topology, 'sfu');
    assert.ok(guessed.reasons.some((r) => r.code === 'bandwidth-unknown'));
    assert.equal(decide(group(20_000), guessed, 1).topology, 'tree');
  });

  test('no hold after an SFU chosen for another reason (here: the group was too large)', () => {
    const large = decide(group(20_000, ['a', 'b', 'c', 'd', 'e', 'f', 'g']));
    assert.equal(large.reasons[0]?.code, 'group-too-large');
    assert.equal(decide(group(20_000), large, 1).topology, 'tree');
  });

  test('a tree in force is not held: only leaving the SFU waits', () => {
    const tree = decide(group(20_000));
    assert.equal(decide(group(20_000), tree, 0).topology, 'tree');
  });
});
