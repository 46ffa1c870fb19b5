import assert from 'node:assert/strict';
import { test } from 'node:test';
import { downloadKbps, type FlowChunks } from '../src/probe-rate.ts';

/** A flow from `from` to `to` ms at `kbps`, in 10 ms chunks. */
function flow(from: number, to: number, kbps: number): FlowChunks {
  const chunks: Array<[number, number]> = [];
  for (let t = from; t <= to; t += 10) chunks.push([t, (kbps * 10) / 8]);
  return chunks;
}

test('parallel flows at a steady rate read that rate', () => {
  const flows = Array.from({ length: 6 }, () => flow(0, 2000, 10_000));
  assert.equal(downloadKbps(flows), 60_000);
});

test('a flow answered late does not count the wait as a slow link', () => {
  // Five flows move 100 Mbit/s for 200 ms; the sixth only starts at 2.5 s (a busy server) and runs 200 ms.
  const flows = [...Array.from({ length: 5 }, () => flow(0, 200, 20_000)), flow(2500, 2700, 100_000)];
  const kbps = downloadKbps(flows)!;
  assert.ok(kbps > 80_000 && kbps < 120_000, `${kbps}`);
});

test('slow start: the first quarter of the active time is not counted', () => {
  const ramp = [...flow(0, 490, 1000), ...flow(500, 2000, 16_000)];
  const kbps = downloadKbps([ramp])!;
  assert.ok(kbps > 15_000 && kbps <= 16_100, `${kbps}`);
});

test('a fast link (everything in 50 ms) reads at least its rate; too few bytes: null, not a guess', () => {
  const lan = downloadKbps(Array.from({ length: 6 }, () => flow(0, 50, 200_000)))!;
  assert.ok(lan >= 1_000_000, `${lan}`);
  assert.equal(downloadKbps([flow(0, 1000, 100)]), null);
  assert.equal(downloadKbps([[], []]), null);
});
