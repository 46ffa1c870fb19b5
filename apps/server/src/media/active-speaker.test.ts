import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ActiveSpeaker } from './active-speaker.ts';

/** Timers the test fires by hand: the silence period is configuration, not something to sleep through. */
function manualTimers() {
  const pending = new Map<number, { fn: () => void; ms: number }>();
  let next = 1;
  return {
    pending,
    setTimer: (fn: () => void, ms: number) => {
      pending.set(next, { fn, ms });
      return next++ as unknown as ReturnType<typeof setTimeout>;
    },
    clearTimer: (t: ReturnType<typeof setTimeout>) => void pending.delete(t as unknown as number),
    fireAll: () => {
      const due = [...pending.values()];
      pending.clear();
      for (const t of due) t.fn();
    },
  };
}

test('the speaker is cleared after the configured silence, kept when sound returns in time, and named again', () => {
  const timers = manualTimers();
  const told: Array<string | null> = [];
  const speaker = new ActiveSpeaker({ silenceMs: 1500, announce: (id) => told.push(id), ...timers });

  speaker.dominant('ann');
  speaker.dominant('ann');
  assert.deepEqual(told, ['ann'], 'only changes are announced');

  // A pause shorter than the silence period: sound comes back, nothing changes.
  speaker.silence();
  assert.deepEqual(
    [...timers.pending.values()].map((t) => t.ms),
    [1500],
  );
  speaker.sound('ann');
  assert.equal(timers.pending.size, 0);
  assert.deepEqual(told, ['ann']);

  // Silence that lasts: cleared once, however often silence is reported meanwhile.
  speaker.silence();
  speaker.silence();
  assert.equal(timers.pending.size, 1);
  timers.fireAll();
  assert.deepEqual(told, ['ann', null]);
  assert.equal(speaker.speaker, null);

  // The same person speaks again (the dominant-speaker observer, still holding them, says nothing): named again.
  speaker.sound('ann');
  assert.deepEqual(told, ['ann', null, 'ann']);
  speaker.dominant('bob');
  assert.deepEqual(told, ['ann', null, 'ann', 'bob']);

  speaker.silence();
  speaker.close();
  assert.equal(timers.pending.size, 0, 'closing stops the timer');
});

test('while the room is silent, the dominant-speaker observer cannot name a speaker again', () => {
  const timers = manualTimers();
  const told: Array<string | null> = [];
  const speaker = new ActiveSpeaker({ silenceMs: 2000, announce: (id) => told.push(id), ...timers });
  speaker.dominant('ann');
  speaker.silence();
  // Everyone mutes: producers pause and the observer re-elects among them.
  speaker.dominant('bob');
  timers.fireAll();
  speaker.dominant('ann');
  assert.deepEqual(told, ['ann', null]);
  // Sound again: the loudest is named, and the observer counts again.
  speaker.sound('bob');
  speaker.dominant('ann');
  assert.deepEqual(told, ['ann', null, 'bob', 'ann']);
});
