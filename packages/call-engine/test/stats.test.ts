import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  backoffDelay,
  combineSamples,
  type PairSummary,
  shouldReport,
  statsWithin,
  summarizeSelectedPair,
} from '../src/index.ts';

const report = [
  { id: 'T1', type: 'transport', selectedCandidatePairId: 'CP2' },
  { id: 'CP1', type: 'candidate-pair', state: 'failed', localCandidateId: 'L1', remoteCandidateId: 'R1' },
  {
    id: 'CP2',
    type: 'candidate-pair',
    state: 'succeeded',
    nominated: true,
    localCandidateId: 'L2',
    remoteCandidateId: 'R2',
    availableOutgoingBitrate: 1_500_000,
    bytesSent: 1000,
    bytesReceived: 250_000,
    timestamp: 10_000,
  },
  { id: 'L1', type: 'local-candidate', candidateType: 'host' },
  { id: 'L2', type: 'local-candidate', candidateType: 'relay' },
  { id: 'R2', type: 'remote-candidate', candidateType: 'relay' },
];

describe('stats', () => {
  test('the selected pair comes from the transport', () => {
    assert.deepEqual(summarizeSelectedPair(report), {
      availableOutgoingBitrate: 1_500_000,
      bytesSent: 1000,
      bytesReceived: 250_000,
      timestamp: 10_000,
      localCandidateType: 'relay',
      remoteCandidateType: 'relay',
    });
  });

  test('without a transport entry, a nominated succeeded pair', () => {
    const s = summarizeSelectedPair(report.filter((r) => r.type !== 'transport'));
    assert.equal(s?.localCandidateType, 'relay');
    assert.equal(summarizeSelectedPair([]), null);
  });

  test('combining: best uplink estimate, downlink from received bytes, relay when all pairs relay', () => {
    const prev = new Map<string, PairSummary>([['x', { bytesSent: 0, bytesReceived: 0, timestamp: 9000 }]]);
    const cur = new Map<string, PairSummary>([
      [
        'x',
        {
          availableOutgoingBitrate: 800_000,
          bytesSent: 0,
          bytesReceived: 125_000,
          timestamp: 10_000,
          localCandidateType: 'relay',
        },
      ],
      [
        'y',
        {
          availableOutgoingBitrate: 1_200_000,
          bytesSent: 0,
          bytesReceived: 0,
          timestamp: 10_000,
          localCandidateType: 'host',
        },
      ],
    ]);
    assert.deepEqual(combineSamples(cur, prev, false), {
      uplinkKbps: 1200,
      downlinkKbps: 1000,
      relayOnly: false,
    });
    assert.equal(combineSamples(cur, prev, true)?.relayOnly, true);
    assert.equal(combineSamples(new Map(), prev, false), null);
  });

  test('Firefox: no transport entry, the pair in use flagged `selected`', () => {
    const firefox = [
      { id: 'CP1', type: 'candidate-pair', state: 'succeeded', nominated: true, localCandidateId: 'L1' },
      {
        id: 'CP2',
        type: 'candidate-pair',
        state: 'succeeded',
        nominated: true,
        selected: true,
        localCandidateId: 'L2',
        remoteCandidateId: 'R2',
        bytesSent: 5,
        bytesReceived: 7,
        timestamp: 1,
      },
      { id: 'L1', type: 'local-candidate', candidateType: 'host' },
      { id: 'L2', type: 'local-candidate', candidateType: 'relay' },
      { id: 'R2', type: 'remote-candidate', candidateType: 'relay' },
    ];
    assert.equal(summarizeSelectedPair(firefox)?.localCandidateType, 'relay');
  });

  test('without a congestion-control estimate (Firefox) the uplink is what is sent now', () => {
    const at = (t: number, sent: number, received: number): PairSummary => ({
      bytesSent: sent,
      bytesReceived: received,
      timestamp: t,
      localCandidateType: 'host',
    });
    const previous = new Map([['a', at(1000, 0, 0)]]);
    const current = new Map([['a', at(2000, 100_000, 50_000)]]);
    assert.deepEqual(combineSamples(current, previous, false), {
      uplinkKbps: 800,
      downlinkKbps: 400,
      relayOnly: false,
    });
    assert.equal(combineSamples(current, new Map(), false), null, 'no rate from a single sample');
  });

  test('report throttling', () => {
    const s = { uplinkKbps: 1000, downlinkKbps: 2000, relayOnly: false };
    assert.equal(shouldReport(null, s, 0), true);
    const last = { sample: s, at: 0 };
    assert.equal(
      shouldReport(last, { ...s, uplinkKbps: 100 }, 1000),
      false,
      'never more often than minInterval',
    );
    assert.equal(shouldReport(last, { ...s, uplinkKbps: 1100 }, 6000), false, 'small change');
    assert.equal(shouldReport(last, { ...s, uplinkKbps: 700 }, 6000), true, 'big change');
    assert.equal(shouldReport(last, { ...s, relayOnly: true }, 6000), true);
    assert.equal(shouldReport(last, s, 30_000), true, 'refresh after maxInterval');
    // An uplink lowered on evidence of a collapse goes at once; anything else waits for minInterval.
    const collapsedTo = (uplinkKbps: number) =>
      shouldReport(last, { ...s, uplinkKbps }, 1000, undefined, true);
    assert.equal(collapsedTo(300), true, 'a collapse is sent at once');
    assert.equal(collapsedTo(900), false, 'a small drop still waits');
    assert.equal(collapsedTo(3000), false, 'a rise still waits');
  });

  test('a receive loss figure is news when it first appears or moves a point or more', () => {
    const s = { uplinkKbps: 1000, downlinkKbps: 2000, relayOnly: false };
    const last = { sample: { ...s, receiveLossPercent: 2 }, at: 0 };
    assert.equal(shouldReport({ sample: s, at: 0 }, { ...s, receiveLossPercent: 0.4 }, 6000), true, 'first');
    assert.equal(shouldReport(last, { ...s, receiveLossPercent: 2.9 }, 6000), false, 'under a point');
    assert.equal(shouldReport(last, { ...s, receiveLossPercent: 5.3 }, 6000), true, 'worse');
    assert.equal(shouldReport(last, { ...s, receiveLossPercent: 0.5 }, 6000), true, 'better');
    assert.equal(shouldReport(last, s, 6000), false, 'unknown again waits for the periodic report');
    assert.equal(shouldReport(last, { ...s, receiveLossPercent: 9 }, 1000), false, 'minInterval holds');
  });
});

test('reconnect backoff grows, caps and jitters', () => {
  const mid = () => 0.5;
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 6, 10].map((a) => backoffDelay(a, {}, mid)),
    [250, 500, 1000, 2000, 4000, 8000, 8000, 8000],
  );
  assert.equal(
    backoffDelay(0, {}, () => 0),
    188,
  );
  assert.equal(
    backoffDelay(0, {}, () => 1),
    313,
  );
});

test('statsWithin: a report that comes is passed on; one that never settles is given up after the limit', async () => {
  const report = new Map([['a', { id: 'a', type: 'transport' }]]) as unknown as RTCStatsReport;
  assert.equal(await statsWithin({ getStats: async () => report }, 50), report);
  const started = Date.now();
  await assert.rejects(
    statsWithin({ getStats: () => new Promise<RTCStatsReport>(() => {}) }, 30),
    /did not settle in 30 ms/,
  );
  assert.ok(Date.now() - started < 1000, 'given up at the limit');
});
