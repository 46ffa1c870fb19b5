import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decideTopology, defaultPolicyConfig, type Participant, type PolicyDecision } from '../src/index.ts';

const desktop = (id: string, uplinkKbps = 20000): Participant => ({
  id,
  role: 'PATIENT',
  uplinkKbps,
  downlinkKbps: 50000,
  device: 'desktop',
});
const group = (n: number, uplinkKbps?: number) =>
  Array.from({ length: n }, (_, i) => desktop(`p${i}`, uplinkKbps));
const codes = (d: PolicyDecision) => d.reasons.map((r) => r.code);
const config = { ...defaultPolicyConfig, treeMaxParticipants: 4 };

describe('decideTopology without an SFU (sfuAvailable: false)', () => {
  test('a group over treeMaxParticipants stays on trees instead of the SFU', () => {
    const withSfu = decideTopology({ participants: group(6), recording: 'off', config });
    assert.equal(withSfu.topology, 'sfu');
    const d = decideTopology({ participants: group(6), recording: 'off', config, sfuAvailable: false });
    assert.equal(d.topology, 'tree');
    assert.ok(codes(d).includes('sfu-unavailable'));
  });

  test('recording cannot force the SFU; small groups are unaffected', () => {
    const d = decideTopology({ participants: group(3), recording: 'running', config, sfuAvailable: false });
    assert.notEqual(d.topology, 'sfu');
    const two = decideTopology({ participants: group(2), recording: 'off', config, sfuAvailable: false });
    assert.equal(two.topology, 'p2p');
    assert.deepEqual(codes(two), ['two-party']);
  });

  test('when neither trees nor the SFU can carry the group, a mesh is the last resort', () => {
    const failed = decideTopology({
      participants: group(3),
      recording: 'off',
      config,
      sfuAvailable: false,
      treePlanningFailed: true,
    });
    assert.equal(failed.topology, 'p2p');
    assert.deepEqual(codes(failed).slice(0, 2), ['tree-planning-failed', 'sfu-unavailable']);
  });
});
