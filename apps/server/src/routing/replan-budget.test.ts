import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReplanBudget } from './replan-budget.ts';

test('a member gets burst changes at once, then perMinute; others keep their own budget', () => {
  let now = 0;
  const budget = new ReplanBudget({ perMinute: 6, burst: 3 }, () => now);
  const taken = () => Array.from({ length: 20 }, () => budget.take('room', 'liar')).filter(Boolean).length;
  assert.equal(taken(), 3, 'the burst');
  now += 10_000;
  assert.equal(taken(), 1, 'one per 10 s after that');
  assert.equal(budget.take('room', 'honest'), true, 'another member is not held up');
  // Over a whole minute of flapping every 100 ms: at most burst + perMinute changes.
  let accepted = 0;
  for (let i = 0; i < 600; i++) {
    now += 100;
    if (budget.take('room2', 'liar')) accepted++;
  }
  assert.ok(accepted <= 3 + 6, `${accepted} changes in a minute`);
  budget.forgetRoom('room2');
  assert.equal(budget.take('room2', 'liar'), true, 'a new room starts afresh');
});
