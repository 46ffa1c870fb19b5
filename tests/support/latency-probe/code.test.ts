import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  blockRect,
  CODE_HEIGHT,
  CODE_WIDTH,
  decodeBits,
  encodeBits,
  low32,
  readBits,
  unwrapTime,
} from './code.ts';
import { senderOfTone, toneDelayMs, toneHz } from './tone.ts';

/** Paints the code as the page does, with `noise` added to every pixel (a stand-in for compression artefacts). */
function paint(bits: boolean[], noise: number): Uint8ClampedArray {
  const px = new Uint8ClampedArray(CODE_WIDTH * CODE_HEIGHT * 4);
  bits.forEach((bit, i) => {
    const r = blockRect(i);
    for (let y = r.y; y < r.y + r.h; y++)
      for (let x = r.x; x < r.x + r.w; x++) {
        const v = (bit ? 235 : 16) + ((x * 7 + y * 13) % (2 * noise + 1)) - noise;
        px.set([v, v, v, 255], (y * CODE_WIDTH + x) * 4);
      }
  });
  return px;
}

test('a painted code reads back through noise, and a wrong one is refused', () => {
  const now = 1_795_655_031_027;
  const bits = encodeBits({ timeLow32: low32(now - 80), sender: 5 });
  const code = decodeBits(readBits(paint(bits, 40)));
  assert.deepEqual(code, { timeLow32: low32(now - 80), sender: 5 });
  assert.equal(unwrapTime(code.timeLow32, now), now - 80);
  const flipped = [...bits];
  flipped[3] = !flipped[3];
  assert.equal(decodeBits(flipped), null, 'the checksum catches a misread block');
  assert.equal(decodeBits(readBits(new Uint8ClampedArray(CODE_WIDTH * CODE_HEIGHT * 4))), null);
});

test('time unwraps across the 32-bit wrap, and a code a little ahead stays a small negative delay', () => {
  const now = 2 ** 32 * 418 + 5;
  assert.equal(unwrapTime(low32(now - 20), now), now - 20);
  assert.equal(unwrapTime(low32(now + 3), now), now + 3);
});

test('tones name their senders; delays are taken modulo the beep period', () => {
  for (let k = 0; k < 16; k++) assert.equal(senderOfTone(toneHz(k) + 60), k);
  assert.equal(senderOfTone(100), null);
  assert.equal(toneDelayMs(1_795_655_031_093.5), 93.5);
});
