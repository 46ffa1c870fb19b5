import assert from 'node:assert/strict';
import { test } from 'node:test';
import { consentOutcome, type Decision } from '../../apps/server/src/recording/consent.ts';

const decisions = (entries: Array<[string, Decision]>) => new Map(entries);

test('a recording waits until everyone required has answered', () => {
  assert.deepEqual(consentOutcome(['a', 'b'], decisions([['a', 'GRANTED']])), {
    kind: 'pending',
    waitingFor: ['b'],
  });
  assert.deepEqual(
    consentOutcome(
      ['a', 'b'],
      decisions([
        ['a', 'GRANTED'],
        ['b', 'GRANTED'],
      ]),
    ),
    { kind: 'granted' },
  );
});

test('one decline blocks at once, even with answers outstanding, and names who declined', () => {
  const outcome = consentOutcome(['a', 'b', 'c'], decisions([['b', 'DECLINED']]));
  assert.deepEqual(outcome, { kind: 'declined', by: ['b'] });
});

test('answers from people no longer required do not count either way', () => {
  assert.deepEqual(
    consentOutcome(
      ['a'],
      decisions([
        ['a', 'GRANTED'],
        ['gone', 'DECLINED'],
      ]),
    ),
    { kind: 'granted' },
  );
});

test('nobody required is not consent: an empty room cannot be recorded by default', () => {
  // The service never asks an empty room (it refuses the request); the pure rule still says "granted" for an
  // empty set, which is why the service checks presence first.
  assert.deepEqual(consentOutcome([], new Map()), { kind: 'granted' });
});
