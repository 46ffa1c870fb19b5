// What the pre-call network check tells a patient, from what ICE gathering found.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { verdictOf } from '../../apps/web/src/patient/network-check.ts';

const result = (stun: boolean, turn: boolean) => ({ host: true, stun, turn, durationMs: 100 });

test('a TURN relay means the call will get through', () => {
  assert.equal(verdictOf(result(true, true)).level, 'good');
  assert.equal(verdictOf(result(false, true)).level, 'good', 'TURN alone is enough: media can be relayed');
});

test('STUN without TURN is fair: direct media only, and the patient is told what to try', () => {
  const v = verdictOf(result(true, false));
  assert.equal(v.level, 'fair');
  assert.match(v.words, /another network/);
});

test('neither server reached is poor, with advice, and never says the call is impossible', () => {
  const v = verdictOf(result(false, false));
  assert.equal(v.level, 'poor');
  assert.match(v.words, /may not connect/);
});
