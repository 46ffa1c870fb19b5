import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bestGrid } from '../src/shared/call/tile-grid.ts';

test('a phone held upright stacks the tiles', () => {
  assert.deepEqual(bestGrid(1, 370, 560), { columns: 1, rows: 1 });
  assert.deepEqual(bestGrid(2, 370, 560), { columns: 1, rows: 2 });
  assert.deepEqual(bestGrid(3, 370, 560), { columns: 1, rows: 3 });
});

test('a laptop puts them side by side, then in a square', () => {
  assert.deepEqual(bestGrid(2, 900, 400), { columns: 2, rows: 1 });
  assert.deepEqual(bestGrid(3, 760, 460), { columns: 2, rows: 2 });
  assert.deepEqual(bestGrid(3, 1200, 420), { columns: 3, rows: 1 });
});

test('degenerate areas give one column', () => {
  assert.deepEqual(bestGrid(0, 500, 500), { columns: 1, rows: 1 });
  assert.deepEqual(bestGrid(3, 0, 0), { columns: 1, rows: 3 });
});
