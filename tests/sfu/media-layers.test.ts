// The SFU's simulcast layer choice (apps/server/src/media/layers.ts): pure, so tested directly.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chooseLayer } from '../../apps/server/src/media/layers.ts';

const base = { visible: true, width: 0, downlinkKbps: null, visibleVideos: 1 };

test('a hidden tile pauses the consumer', () => {
  assert.deepEqual(chooseLayer({ ...base, visible: false, width: 640 }), { paused: true, spatialLayer: 0 });
});

test('unknown width and downlink: the best layer', () => {
  assert.deepEqual(chooseLayer(base), { paused: false, spatialLayer: 2 });
});

test('the smallest layer at least as wide as the tile', () => {
  assert.equal(chooseLayer({ ...base, width: 160 }).spatialLayer, 0);
  assert.equal(chooseLayer({ ...base, width: 320 }).spatialLayer, 0);
  assert.equal(chooseLayer({ ...base, width: 321 }).spatialLayer, 1);
  assert.equal(chooseLayer({ ...base, width: 640 }).spatialLayer, 1);
  assert.equal(chooseLayer({ ...base, width: 1000 }).spatialLayer, 2);
  assert.equal(chooseLayer({ ...base, width: 4000 }).spatialLayer, 2, 'wider than the source: the top layer');
});

test('the downlink, shared among the visible videos, caps the layer', () => {
  assert.equal(chooseLayer({ ...base, width: 1280, downlinkKbps: 2000 }).spatialLayer, 2);
  assert.equal(chooseLayer({ ...base, width: 1280, downlinkKbps: 2000, visibleVideos: 3 }).spatialLayer, 1);
  assert.equal(chooseLayer({ ...base, width: 1280, downlinkKbps: 2000, visibleVideos: 8 }).spatialLayer, 0);
  assert.deepEqual(
    chooseLayer({ ...base, width: 1280, downlinkKbps: 50 }),
    { paused: false, spatialLayer: 0 },
    'a visible tile keeps the lowest layer however thin the link',
  );
  assert.equal(
    chooseLayer({ ...base, width: 200, downlinkKbps: 100_000 }).spatialLayer,
    0,
    'never above the tile',
  );
});
