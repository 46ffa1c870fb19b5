import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chooseScreen, type ScreenCandidate, screenCounts } from '../src/remote-screen.ts';

const tree = (track: string, live = true): ScreenCandidate<string> => ({
  via: 'relay',
  treeSlot: true,
  track,
  live,
});
const other = (track: string, live = true): ScreenCandidate<string> => ({
  via: 'sfu',
  treeSlot: false,
  track,
  live,
});

test('screenCounts: a tree slot only while its sender declares a share; mesh and SFU screens as they come', () => {
  assert.equal(screenCounts(true, false), false);
  assert.equal(screenCounts(true, true), true);
  assert.equal(screenCounts(false, false), true);
  assert.equal(screenCounts(false, true), true);
});

test('chooseScreen: the idle tree slot is no screen until the share is declared', () => {
  assert.equal(chooseScreen(false, null, [tree('slot')]), null);
  assert.deepEqual(chooseScreen(true, null, [tree('slot')]), tree('slot'));
});

test('chooseScreen: Stop sharing on a tree drops the slot track shown (and relayed) until then', () => {
  // The bug of issue 11: the relayed slot track stayed the sender's screen, so a relay kept forwarding it.
  assert.equal(chooseScreen(false, 'slot', [tree('slot')]), null);
});

test('chooseScreen: keeps the current track while it counts, else the first live one that does', () => {
  assert.deepEqual(chooseScreen(true, 'b', [tree('a'), tree('b')]), tree('b'));
  assert.deepEqual(chooseScreen(true, 'b', [tree('a'), tree('b', false)]), tree('a'));
  assert.equal(chooseScreen(true, 'b', [tree('b', false)]), null);
  // An SFU (or mesh) screen does not wait for the declaration, and is not dropped by its absence.
  assert.deepEqual(chooseScreen(false, 'sfu', [tree('slot'), other('sfu')]), other('sfu'));
  assert.deepEqual(chooseScreen(false, null, [other('mesh')]), other('mesh'));
});
