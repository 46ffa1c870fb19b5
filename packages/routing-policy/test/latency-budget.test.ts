import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  decideTopology,
  defaultPolicyConfig,
  type Participant,
  type PolicyConfig,
  pathLatencyMs,
  treeDepthLimit,
} from '../src/index.ts';

const desktop = (id: string, uplinkKbps = 20_000): Participant => ({
  id,
  role: 'PATIENT',
  uplinkKbps,
  downlinkKbps: 50_000,
  device: 'desktop',
});
/** d's uplink carries one hd copy (2500 kbit/s of 3000 x 0.85): its stream must be relayed, i.e. depth 2. */
const needsARelay = [desktop('a'), desktop('b'), desktop('c'), desktop('d', 3_000)];
const withBudget = (budgetMs: number, perRelayHopMs = 45): PolicyConfig => ({
  ...defaultPolicyConfig,
  latency: { budgetMs, directMs: 60, perRelayHopMs },
});

describe('latency budget', () => {
  test('the depth limit keeps the deepest path within the budget, never above maxRelayHops', () => {
    assert.equal(treeDepthLimit(withBudget(150)), 3, '60 + 2 x 45 = 150 fits');
    assert.equal(treeDepthLimit(withBudget(149)), 2, '60 + 45 = 105 fits, 150 does not');
    assert.equal(treeDepthLimit(withBudget(100)), 1, 'no relay hop fits');
    assert.equal(treeDepthLimit(withBudget(59)), 0, 'not even a direct link fits');
    assert.equal(treeDepthLimit(withBudget(10_000)), defaultPolicyConfig.maxRelayHops);
    assert.equal(pathLatencyMs(3, withBudget(150)), 150);
    const limit = treeDepthLimit(defaultPolicyConfig);
    assert.ok(
      pathLatencyMs(limit, defaultPolicyConfig) <= defaultPolicyConfig.latency.budgetMs,
      'the defaults keep the deepest path the policy allows within 150 ms',
    );
  });

  test('a group that needs a relay hop goes tree within the budget', () => {
    const d = decideTopology({ participants: needsARelay, recording: 'off', config: withBudget(150) });
    assert.equal(d.topology, 'tree');
  });

  test('when no tree fits the budget: sfu, reason latency-budget with the shallowest fitting estimate', () => {
    const d = decideTopology({ participants: needsARelay, recording: 'off', config: withBudget(100) });
    assert.equal(d.topology, 'sfu');
    assert.deepEqual(d.reasons[0], { code: 'latency-budget', value: 105, limit: 100 });
  });

  test('without an SFU the same group falls back to a p2p mesh, saying why', () => {
    const d = decideTopology({
      participants: needsARelay,
      recording: 'off',
      config: withBudget(100),
      sfuAvailable: false,
    });
    assert.equal(d.topology, 'p2p');
    assert.deepEqual(
      d.reasons.slice(0, 2).map((r) => r.code),
      ['latency-budget', 'sfu-unavailable'],
    );
  });

  test('a budget below even a direct link rules out every tree, also ones without relays', () => {
    const strong = [desktop('a'), desktop('b'), desktop('c')];
    const d = decideTopology({ participants: strong, recording: 'off', config: withBudget(50) });
    assert.equal(d.topology, 'sfu');
    assert.deepEqual(d.reasons[0], { code: 'latency-budget', value: 60, limit: 50 });
  });

  test('two people stay p2p whatever the budget (no relay on a direct link)', () => {
    const d = decideTopology({
      participants: [desktop('a'), desktop('b')],
      recording: 'off',
      config: withBudget(10),
    });
    assert.equal(d.topology, 'p2p');
  });
});
