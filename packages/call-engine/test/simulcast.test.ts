import assert from 'node:assert/strict';
import { test } from 'node:test';
import { simulcastEncodings } from '../src/simulcast.ts';

const scales = (width: number | undefined) => simulcastEncodings(width).map((e) => e.scaleResolutionDownBy);

test('three layers for HD cameras or an unknown width', () => {
  assert.deepEqual(scales(1280), [4, 2, 1]);
  assert.deepEqual(scales(960), [4, 2, 1]);
  assert.deepEqual(scales(undefined), [4, 2, 1]);
});

test('fewer layers for small sources, always including full resolution', () => {
  assert.deepEqual(scales(640), [2, 1]);
  assert.deepEqual(scales(480), [2, 1]);
  assert.deepEqual(scales(320), [1]);
});

test('each call returns fresh objects (mediasoup-client may annotate them)', () => {
  const a = simulcastEncodings(1280);
  a[0]!.maxBitrate = 1;
  assert.equal(simulcastEncodings(1280)[0]!.maxBitrate, 150_000);
});
