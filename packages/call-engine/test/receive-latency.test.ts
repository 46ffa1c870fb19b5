import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReceiveLatencyEstimator } from '../src/receive-latency.ts';

const pair = (rtt: number) => [
  { type: 'transport', id: 'T', selectedCandidatePairId: 'P' },
  { type: 'candidate-pair', id: 'P', currentRoundTripTime: rtt, bytesSent: 0, bytesReceived: 0 },
];
const video = (jbDelay: number, emitted: number, decodeTime: number, decoded: number) => ({
  type: 'inbound-rtp',
  id: 'V',
  kind: 'video',
  jitterBufferDelay: jbDelay,
  jitterBufferEmittedCount: emitted,
  totalDecodeTime: decodeTime,
  framesDecoded: decoded,
});

test('figures are taken over the interval since the last look, not the lifetime of the call', () => {
  const est = new ReceiveLatencyEstimator();
  const source = (stats: object[]) => [{ key: 'recv|b|a', streamId: 'a', via: 'b', stats: stats as never }];
  // The first seconds: a big jitter buffer while the call started (2 s over 10 frames = 200 ms).
  assert.deepEqual(est.observe(source([...pair(0.01), video(2, 10, 0.1, 10)])), [
    { streamId: 'a', kind: 'video', via: 'b', jitterBufferMs: 200, networkMs: 5, decodeMs: 10, totalMs: 215 },
  ]);
  // Then 100 frames at 40 ms each, decoded in 4 ms each: the interval's figures.
  assert.deepEqual(est.observe(source([...pair(0.02), video(6, 110, 0.5, 110)])), [
    { streamId: 'a', kind: 'video', via: 'b', jitterBufferMs: 40, networkMs: 10, decodeMs: 4, totalMs: 54 },
  ]);
  // Nothing played out since: no figure rather than a stale one.
  assert.deepEqual(est.observe(source([...pair(0.02), video(6, 110, 0.5, 110)])), []);
});
