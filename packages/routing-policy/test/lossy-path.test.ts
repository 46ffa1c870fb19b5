import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decideTopology, type Participant, type PolicyDecision } from '../src/index.ts';

// The two profiles of the network lab's scenario where a direct call froze: 4G (10 / 3 Mbit/s, 1 % loss) and
// weak mobile (1.5 / 0.4 Mbit/s, 3 % loss).
const fourG = (receiveLossPercent?: number): Participant => ({
  id: 'clinician',
  role: 'CLINICIAN',
  uplinkKbps: 3000,
  downlinkKbps: 10000,
  device: 'laptop',
  ...(receiveLossPercent === undefined ? {} : { receiveLossPercent }),
});
const weak = (receiveLossPercent?: number): Participant => ({
  id: 'patient',
  role: 'PATIENT',
  uplinkKbps: 400,
  downlinkKbps: 1500,
  device: 'mobile',
  ...(receiveLossPercent === undefined ? {} : { receiveLossPercent }),
});
const decide = (participants: Participant[], previous?: PolicyDecision, sfuAvailable = true) =>
  decideTopology({ participants, recording: 'off', sfuAvailable }, previous);
const codes = (d: PolicyDecision) => d.reasons.map((r) => r.code);

describe('a two-person call on a lossy direct path', () => {
  test('stays direct while the loss is unknown or small', () => {
    assert.equal(decide([fourG(), weak()]).topology, 'p2p');
    assert.equal(decide([fourG(0.5), weak(2.4)]).topology, 'p2p');
    assert.deepEqual(codes(decide([fourG(0.5), weak(2.4)]))[0], 'two-party');
  });

  test('goes through the SFU when either receiver loses enterPercent (2.5 %) of the direct path', () => {
    const d = decide([fourG(1), weak(5.3)]);
    assert.equal(d.topology, 'sfu');
    assert.deepEqual(d.reasons[0], { code: 'lossy-path', topology: 'sfu', value: 5.3, limit: 2.5 });
    // One side's figure is enough: the other may not have measured yet.
    assert.equal(decide([fourG(), weak(2.5)]).topology, 'sfu');
  });

  test('on the SFU each figure is one leg: the direct path is their sum, and leaving needs it under exitPercent', () => {
    const onSfu = decide([fourG(1), weak(5.3)]);
    // Legs of 1 % and 1.7 %: a direct path would lose about 2.7 %, above the 1.5 % to leave.
    const kept = decide([fourG(1), weak(1.7)], onSfu);
    assert.equal(kept.topology, 'sfu');
    assert.deepEqual(kept.reasons[0], { code: 'lossy-path', topology: 'sfu', value: 2.7, limit: 1.5 });
    // The same figures on a direct path would not have moved it (max 1.7 < 2.5): hysteresis, not a new threshold.
    assert.equal(decide([fourG(1), weak(1.7)]).topology, 'p2p');
    const clean = decide([fourG(0.4), weak(0.9)], kept);
    assert.equal(clean.topology, 'p2p');
    assert.equal(codes(clean)[0], 'two-party');
  });

  test('just switched, without both legs measured, the SFU is kept', () => {
    const onSfu = decide([fourG(1), weak(5.3)]);
    const d = decide([fourG(), weak(0.2)], onSfu);
    assert.equal(d.topology, 'sfu');
    assert.deepEqual(d.reasons[0], { code: 'lossy-path', topology: 'sfu', value: 5.3, limit: 1.5 });
  });

  test('an SFU chosen for another reason (recording) leaves for direct unless the legs add up to enterPercent', () => {
    const recorded = decideTopology({ participants: [fourG(1), weak(1)], recording: 'running' });
    assert.equal(codes(recorded)[0], 'recording-requires-sfu');
    assert.equal(decide([fourG(1), weak(1)], recorded).topology, 'p2p');
    assert.equal(decide([fourG(1), weak(1.5)], recorded).topology, 'sfu');
  });

  test('without an SFU, or with more than two people, the rule does not apply', () => {
    assert.equal(decide([fourG(1), weak(8)], undefined, false).topology, 'p2p');
    const third: Participant = { ...fourG(8), id: 'relative' };
    const three = decide([fourG(1), weak(8), third]);
    assert.ok(!codes(three).includes('lossy-path'));
  });
});
