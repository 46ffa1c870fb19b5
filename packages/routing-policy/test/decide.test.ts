import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  decideTopology,
  defaultPolicyConfig,
  type Participant,
  type PolicyDecision,
  type PolicyInput,
  platformEgressKbps,
} from '../src/index.ts';

const desktop = (id: string, uplinkKbps = 20000, downlinkKbps = 50000): Participant => ({
  id,
  role: 'PATIENT',
  uplinkKbps,
  downlinkKbps,
  device: 'desktop',
});
const session = (participants: Participant[], extra: Partial<PolicyInput> = {}): PolicyInput => ({
  participants,
  recording: 'off',
  ...extra,
});
const codes = (d: PolicyDecision) => d.reasons.map((r) => r.code);
const group = (n: number) => Array.from({ length: n }, (_, i) => desktop(`p${i}`));

describe('decideTopology rules', () => {
  test('alone: p2p with nobody to connect, i.e. idle', () => {
    const d = decideTopology(session([desktop('a')]));
    assert.equal(d.topology, 'p2p');
    assert.deepEqual(codes(d), ['alone']);
  });

  test('two people without recording: p2p at the best quality both can receive', () => {
    const d = decideTopology(session([desktop('a'), desktop('b', 20000, 1500)]));
    assert.equal(d.topology, 'p2p');
    assert.equal(d.quality, 'sd', '1500 kbit/s downlink x 0.85 headroom fits sd (1000), not hd (2500)');
    assert.equal(d.bitrateKbps, 1000);
    assert.deepEqual(codes(d), ['two-party', 'quality-limited']);
    assert.deepEqual(d.reasons[1], { code: 'quality-limited', peerId: 'b', value: 1275, limit: 2500 });
    assert.equal(d.egressKbps.p2p, 0);
  });

  test('a weak uplink limits only its own stream, not the call', () => {
    // b can send 1275 kbit/s: it sends that; a still sends hd, which b can receive.
    const d = decideTopology(session([desktop('a'), desktop('b', 1500)]));
    assert.equal(d.quality, 'hd');
    assert.deepEqual(d.reasons[1], { code: 'quality-limited', peerId: 'b', value: 1275, limit: 2500 });
  });

  test('recording forces the sfu, whatever was decided before', () => {
    const previous = decideTopology(session([desktop('a'), desktop('b')]));
    for (const recording of ['requested', 'running'] as const) {
      const d = decideTopology(session([desktop('a'), desktop('b')], { recording }), previous);
      assert.equal(d.topology, 'sfu');
      assert.equal(d.reasons[0]!.code, 'recording-requires-sfu');
    }
    const off = { ...defaultPolicyConfig, recordingRequiresSfu: false };
    assert.equal(decideTopology(session(group(2), { recording: 'running', config: off })).topology, 'p2p');
  });

  test('a small group with strong uplinks uses trees because they cost the platform nothing', () => {
    const d = decideTopology(session(group(5)));
    assert.equal(d.topology, 'tree');
    assert.equal(d.quality, 'hd');
    assert.deepEqual(d.reasons[0], { code: 'tree-cheaper', topology: 'tree', value: 0, limit: 5 * 4 * 2500 });
  });

  test('groups above the tree threshold use the sfu; the threshold is configurable', () => {
    const d = decideTopology(session(group(7)));
    assert.equal(d.topology, 'sfu');
    assert.deepEqual(d.reasons[0], { code: 'group-too-large', value: 7, limit: 6 });
    const config = { ...defaultPolicyConfig, treeMaxParticipants: 8 };
    // 7 senders need 42 copies; 20 Mbit/s uplinks give 5 hd slots each (35), 40 Mbit/s give 11.
    assert.equal(decideTopology(session(group(7), { config })).reasons[0]!.code, 'relay-capacity-too-low');
    const fibre = group(7).map((p) => ({ ...p, uplinkKbps: 40000 }));
    assert.equal(decideTopology(session(fibre, { config })).topology, 'tree');
  });

  test('mobile-only groups cannot relay, so no tree fits and the sfu is chosen with the numbers', () => {
    const phones = group(5).map((p) => ({ ...p, device: 'mobile' as const, uplinkKbps: 2 * 1000 }));
    const d = decideTopology(session(phones));
    assert.equal(d.topology, 'sfu');
    assert.equal(d.quality, 'hd', 'their downlinks carry hd; each sends its own stream as its uplink allows');
    // Each phone uploads 1 copy (2000 x 0.85 = 1700 kbit/s, below one hd stream): 5 slots for 20 edges.
    assert.deepEqual(d.reasons[0], { code: 'relay-capacity-too-low', value: 5, limit: 20 });
  });

  test('a peer whose uplink cannot carry one stream is a leaf of the tree, named quality-limited', () => {
    const peers = [...group(3), { ...desktop('slow', 1200), downlinkKbps: 50000 }];
    const d = decideTopology(session(peers));
    assert.equal(d.quality, 'hd');
    assert.equal(d.topology, 'tree');
    assert.ok(d.reasons.some((r) => r.code === 'quality-limited' && r.peerId === 'slow' && r.value === 1020));
  });

  test('unknown bandwidth is assumed conservatively and reported; such peers never relay', () => {
    const unknown: Participant = { id: 'u', role: 'CLINICIAN', device: 'laptop' };
    const d = decideTopology(session([desktop('a'), unknown]));
    assert.equal(d.quality, 'sd', '2000 kbit/s assumed downlink x 0.85 fits sd, not hd');
    assert.ok(d.reasons.some((r) => r.code === 'bandwidth-unknown' && r.peerId === 'u'));
  });

  test('a failed tree plan and too little bandwidth for audio are reported', () => {
    assert.equal(decideTopology(session(group(4), { treePlanningFailed: true })).topology, 'sfu');
    const d = decideTopology(session([desktop('a'), desktop('b', 20000, 30)]));
    assert.equal(d.quality, 'audio');
    assert.ok(d.reasons.some((r) => r.code === 'below-minimum-quality' && r.peerId === 'b'));
    const mute = decideTopology(session([desktop('a'), desktop('b', 30)]));
    assert.ok(
      mute.reasons.some((r) => r.code === 'below-minimum-quality' && r.peerId === 'b'),
      'cannot send audio',
    );
  });

  test('TURN-only peers make their streams platform cost', () => {
    const d = decideTopology(session([{ ...desktop('a'), relayOnly: true }, desktop('b')]));
    assert.equal(d.topology, 'p2p');
    assert.deepEqual(d.reasons[1], { code: 'turn-relayed', peerId: 'a', topology: 'p2p', value: 2 * 2500 });
    const input = { participants: 4, relayOnly: 1, bitrateKbps: 100 };
    assert.deepEqual(
      ['p2p', 'tree', 'sfu'].map((t) => platformEgressKbps(t as 'p2p', input)),
      [600, 400, 1200],
    );
  });

  test('the same input in any order gives the same decision', () => {
    const peers = [...group(4), { ...desktop('slow', 1200) }];
    const a = decideTopology(session(peers));
    const b = decideTopology(session([...peers].reverse()));
    assert.deepEqual(a, b);
  });
});

describe('decideTopology hysteresis', () => {
  test('a third person joining forces the switch away from p2p at once', () => {
    const two = decideTopology(session(group(2)));
    const three = decideTopology(session(group(3)), two);
    assert.equal(two.topology, 'p2p');
    assert.equal(three.topology, 'tree');
  });

  test('bandwidth noise around a quality threshold does not flap', () => {
    // hd needs 2500 / 0.85 = 2941 kbit/s of uplink; the noise swings 2800..3200.
    const noisy = [3000, 2800, 3200, 2900, 3100, 2850, 3150, 2950, 3050, 3200];
    let previous: PolicyDecision | undefined;
    let changes = 0;
    let flapsWithout = 0;
    let last: string | undefined;
    for (const up of noisy) {
      const input = session([desktop('a'), desktop('b', 20000, up)]);
      const d = decideTopology(input, previous);
      if (previous && d.quality !== previous.quality) changes++;
      const fresh = decideTopology(input).quality;
      if (last && fresh !== last) flapsWithout++;
      last = fresh;
      previous = d;
    }
    assert.ok(flapsWithout >= 4, 'the sequence does cross the threshold');
    assert.equal(changes, 1, 'one downgrade, no upgrade back without the margin');
    const clear = decideTopology(session([desktop('a'), desktop('b', 20000, 3500)]), previous);
    assert.equal(clear.quality, 'hd', '3500 clears 2941 with 15 % to spare (2941 / 0.85 = 3460)');
  });

  test('"15 % to spare" means the need uses at most 85 % of the usable bandwidth', () => {
    // Usable = measured x 0.85 headroom. hd needs 2500 usable; with 15 % of it to spare, usable >= 2941.2,
    // i.e. measured >= 3460.2. 1.15 x need (2875 usable, measured 3382.4) would leave only 13 % spare.
    const sd = decideTopology(session([desktop('a'), desktop('b', 20000, 2000)]));
    assert.equal(sd.quality, 'sd');
    const thirteen = decideTopology(session([desktop('a'), desktop('b', 20000, 3390)]), sd);
    assert.equal(thirteen.quality, 'sd', '13 % spare is not 15 %');
    const fifteen = decideTopology(session([desktop('a'), desktop('b', 20000, 3461)]), sd);
    assert.equal(fifteen.quality, 'hd', '15 % spare upgrades');
  });

  test('tree and sfu swap for cost only when the difference exceeds the margin', () => {
    // Three people, two TURN-only: a tree would relay 6 streams through TURN, the same as the sfu forwards.
    const peers = [{ ...desktop('a'), relayOnly: true }, { ...desktop('b'), relayOnly: true }, desktop('c')];
    const fresh = decideTopology(session(peers));
    assert.equal(fresh.topology, 'sfu');
    const inTree: PolicyDecision = { ...fresh, topology: 'tree' };
    const kept = decideTopology(session(peers), inTree);
    assert.equal(kept.topology, 'tree');
    assert.ok(kept.reasons.some((r) => r.code === 'kept-previous'));
    // With one TURN-only peer the tree is clearly cheaper and wins over a previous sfu.
    const cheaper = decideTopology(session([peers[0]!, desktop('b'), desktop('c')]), fresh);
    assert.equal(cheaper.topology, 'tree');
  });

  test('staying in a tree needs no margin, entering one does', () => {
    // Three phones send one hd copy each; the hub relays the other 6 and sends its own 3: 9 slots of 2500.
    // 28000 x 0.85 = 23800 usable gives 9 slots, but only 8 with the 15 % margin (20230).
    const phones = group(3).map((p) => ({ ...p, device: 'mobile' as const, uplinkKbps: 3500 }));
    const peers = [...phones, desktop('hub', 28000)];
    const fresh = decideTopology(session(peers));
    assert.equal(fresh.quality, 'hd');
    assert.equal(fresh.topology, 'sfu', 'the hub lacks the 15 % margin to enter a tree');
    const inTree: PolicyDecision = { ...fresh, topology: 'tree' };
    assert.equal(decideTopology(session(peers), inTree).topology, 'tree');
  });
});

describe('per-receiver quality through the SFU', () => {
  // Four people, two on weak mobile downlinks (1500 kbit/s: three streams at low need 1200 usable, 1275 there
  // is; the two on fibre could receive hd). In a tree every copy of a stream is one encoding.
  const weak = (id: string) => ({ ...desktop(id, 400, 1500), device: 'mobile' as const });
  const call = [desktop('doc'), desktop('rel'), weak('w1'), weak('w2')];

  test('half the group weak: the SFU gives the strong half hd, the weak half the layer they can hold', () => {
    const d = decideTopology(session(call));
    assert.equal(d.topology, 'sfu');
    assert.equal(d.quality, 'hd');
    assert.equal(d.reasons[0]?.code, 'per-receiver-quality');
  });

  test('nobody can send better than the weakest receiver takes: the tree stays', () => {
    // Two DSL uplinks (1000 kbit/s: one stream at low, not sd) and a weak receiver held to low.
    const dsl = (id: string) => desktop(id, 1000, 16_000);
    const d = decideTopology(session([dsl('a'), dsl('b'), weak('w1')]));
    assert.equal(d.quality, 'low');
    assert.notEqual(d.reasons[0]?.code, 'per-receiver-quality');
  });

  test('one weak receiver among four: the SFU gives the other three hd instead of low for all', () => {
    const one = [desktop('doc'), desktop('rel'), desktop('ip'), weak('w1')];
    const d = decideTopology(session(one));
    assert.equal(d.topology, 'sfu');
    assert.equal(d.quality, 'hd');
    assert.deepEqual(d.reasons[0], {
      code: 'per-receiver-quality',
      topology: 'sfu',
      value: 2500,
      limit: 400,
    });
    assert.ok(d.reasons.some((r) => r.code === 'quality-limited' && r.peerId === 'w1'));
    // Without an SFU the mesh/tree holds everyone to what w1 receives.
    const noSfu = decideTopology(session(one, { sfuAvailable: false }));
    assert.equal(noSfu.topology, 'tree');
    assert.equal(noSfu.quality, 'low');
  });

  test('the weak receiver recovering just past the threshold does not swing the call back to a tree', () => {
    const one = (down: number) => [
      desktop('doc'),
      desktop('rel'),
      desktop('ip'),
      { ...weak('w1'), downlinkKbps: down },
    ];
    let previous = decideTopology(session(one(1500)));
    assert.equal(previous.topology, 'sfu');
    // hd for all needs 3 x 2500 = 7500 usable, 8824 measured; with the 15 % margin 10381 measured.
    for (const down of [8900, 9500, 8830, 10000]) {
      previous = decideTopology(session(one(down)), previous);
      assert.equal(previous.topology, 'sfu', `${down} kbit/s is within the margin`);
    }
    const clear = decideTopology(session(one(10_500)), previous);
    assert.equal(clear.topology, 'tree');
    assert.equal(clear.quality, 'hd');
  });
});
