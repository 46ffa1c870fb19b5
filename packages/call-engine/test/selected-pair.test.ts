import assert from 'node:assert/strict';
import { test } from 'node:test';
import { selectedPairOf } from '../src/index.ts';

/** A getStats report as a Map, like the browser's RTCStatsReport (forEach over values). */
const report = (...stats: object[]) => new Map(stats.map((s, i) => [String(i), s]));

const transport = { id: 'T', type: 'transport', selectedCandidatePairId: 'P' };
const pair = {
  id: 'P',
  type: 'candidate-pair',
  localCandidateId: 'L',
  remoteCandidateId: 'R',
  state: 'succeeded',
};

test('a direct host pair carries types and protocol, never an address', () => {
  const got = selectedPairOf(
    report(
      transport,
      pair,
      {
        id: 'L',
        type: 'local-candidate',
        candidateType: 'host',
        protocol: 'udp',
        address: '192.168.1.20',
        port: 5000,
      },
      {
        id: 'R',
        type: 'remote-candidate',
        candidateType: 'srflx',
        protocol: 'udp',
        address: '203.0.113.9',
        port: 6000,
      },
    ),
  );
  assert.deepEqual(got, { localType: 'host', remoteType: 'srflx', protocol: 'udp' });
});

test("a relayed pair names the relay's address and how it was reached", () => {
  const got = selectedPairOf(
    report(
      transport,
      pair,
      {
        id: 'L',
        type: 'local-candidate',
        candidateType: 'relay',
        protocol: 'udp',
        relayProtocol: 'tls',
        address: '198.51.100.7',
        port: 49152,
      },
      {
        id: 'R',
        type: 'remote-candidate',
        candidateType: 'host',
        protocol: 'udp',
        address: 'abc.local',
        port: 1,
      },
    ),
  );
  assert.deepEqual(got, {
    localType: 'relay',
    remoteType: 'host',
    protocol: 'udp',
    relayProtocol: 'tls',
    relayAddress: '198.51.100.7:49152',
  });
});

test('the remote relay is named when only the far end is relayed; a name is never sent as an address', () => {
  const base = { id: 'L', type: 'local-candidate', candidateType: 'srflx', protocol: 'udp' };
  const remote = { id: 'R', type: 'remote-candidate', candidateType: 'relay', protocol: 'udp', port: 3478 };
  assert.equal(
    selectedPairOf(report(transport, pair, base, { ...remote, address: '2001:db8::1' }))?.relayAddress,
    '2001:db8::1:3478',
  );
  assert.equal(
    selectedPairOf(report(transport, pair, base, { ...remote, address: 'turn.example.org' }))?.relayAddress,
    undefined,
  );
});

test('no selected pair, or an unknown candidate type: nothing to report', () => {
  assert.equal(selectedPairOf(report({ id: 'T', type: 'transport' })), null);
  assert.equal(
    selectedPairOf(
      report(
        transport,
        pair,
        { id: 'L', type: 'local-candidate', candidateType: 'weird', protocol: 'udp' },
        { id: 'R', type: 'remote-candidate', candidateType: 'host', protocol: 'udp' },
      ),
    ),
    null,
  );
});
