// The clock code painted into the probe camera's frames: 48 black/white blocks (8 columns x 6 rows of 40x40 px
// on a 320x240 canvas), big enough that VP8 at a few hundred kbit/s and any simulcast layer keep them legible.
// Shared by the page script (which paints and reads it) and its unit test; no DOM in here.

export const CODE_COLUMNS = 8;
export const CODE_ROWS = 6;
export const CODE_WIDTH = 320;
export const CODE_HEIGHT = 240;
const BLOCK_W = CODE_WIDTH / CODE_COLUMNS;
const BLOCK_H = CODE_HEIGHT / CODE_ROWS;

/** What one frame carries: the sender's clock (ms since the epoch, low 32 bits) and its probe index (0..15). */
export interface FrameCode {
  timeLow32: number;
  sender: number;
}

/** A fixed pattern in the last 4 blocks: a frame of something else (the fake device's own picture) never matches. */
const MAGIC = 0b1010;

const checksum = (time: number, sender: number): number =>
  ((time & 0xff) + ((time >>> 8) & 0xff) + ((time >>> 16) & 0xff) + ((time >>> 24) & 0xff) + sender * 17) &
  0xff;

/** 48 bits: time (32), sender (4), checksum (8), magic (4); most significant first. */
export function encodeBits(code: FrameCode): boolean[] {
  const bits: boolean[] = [];
  const push = (value: number, width: number) => {
    for (let i = width - 1; i >= 0; i--) bits.push(((value >>> i) & 1) === 1);
  };
  push(code.timeLow32 >>> 0, 32);
  push(code.sender & 0xf, 4);
  push(checksum(code.timeLow32 >>> 0, code.sender & 0xf), 8);
  push(MAGIC, 4);
  return bits;
}

export function decodeBits(bits: readonly boolean[]): FrameCode | null {
  if (bits.length !== CODE_COLUMNS * CODE_ROWS) return null;
  let at = 0;
  const take = (width: number) => {
    let v = 0;
    for (let i = 0; i < width; i++) v = v * 2 + (bits[at++] ? 1 : 0);
    return v;
  };
  const timeLow32 = take(32) >>> 0;
  const sender = take(4);
  const sum = take(8);
  const magic = take(4);
  if (magic !== MAGIC || sum !== checksum(timeLow32, sender)) return null;
  return { timeLow32, sender };
}

/** The block rectangles in bit order (row by row), in canvas pixels. */
export function blockRect(index: number): { x: number; y: number; w: number; h: number } {
  const col = index % CODE_COLUMNS;
  const row = Math.floor(index / CODE_COLUMNS);
  return { x: col * BLOCK_W, y: row * BLOCK_H, w: BLOCK_W, h: BLOCK_H };
}

/**
 * Reads the bits from RGBA pixels of a CODE_WIDTH x CODE_HEIGHT image: the mean luma of each block's central
 * half (edges blur under compression) against the midpoint of the darkest and brightest block.
 */
export function readBits(rgba: Uint8ClampedArray): boolean[] {
  const means: number[] = [];
  for (let i = 0; i < CODE_COLUMNS * CODE_ROWS; i++) {
    const r = blockRect(i);
    let sum = 0;
    let n = 0;
    for (let y = r.y + r.h / 4; y < r.y + (3 * r.h) / 4; y += 2) {
      for (let x = r.x + r.w / 4; x < r.x + (3 * r.w) / 4; x += 2) {
        const p = (y * CODE_WIDTH + x) * 4;
        sum += 0.299 * rgba[p]! + 0.587 * rgba[p + 1]! + 0.114 * rgba[p + 2]!;
        n++;
      }
    }
    means.push(sum / n);
  }
  const mid = (Math.min(...means) + Math.max(...means)) / 2;
  return means.map((m) => m > mid);
}

/** The full sender time (epoch ms) from its low 32 bits, taking the one nearest before `nowMs` (the receiver's). */
export function unwrapTime(timeLow32: number, nowMs: number): number {
  const nowLow = Math.floor(nowMs) % 2 ** 32;
  const back = (nowLow - timeLow32 + 2 ** 32) % 2 ** 32;
  // A code from "the future" by a few ms (clock read rounding) stays a small negative latency, not 49 days.
  return back > 2 ** 31 ? Math.floor(nowMs) + (2 ** 32 - back) : Math.floor(nowMs) - back;
}

/** Epoch ms -> the low 32 bits painted into a frame. */
export const low32 = (epochMs: number): number => Math.floor(epochMs) % 2 ** 32;
