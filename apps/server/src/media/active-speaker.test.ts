import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ActiveSpeaker } from './active-speaker.ts';

function setup() {
  const told: Array<string | null> = [];
  return { told, speaker: new ActiveSpeaker((who) => told.push(who)) };
}

test('the dominant speaker is told once per change', () => {
  const { told, speaker } = setup();
  speaker.dominantIs('a');
  speaker.voices('a');
  speaker.dominantIs('a');
  speaker.dominantIs('b');
  assert.deepEqual(told, ['a', 'b']);
});

test('a silent room is told nobody speaks, and the speaker again once someone does', () => {
  const { told, speaker } = setup();
  speaker.dominantIs('a');
  speaker.silence();
  speaker.silence();
  assert.deepEqual(told, ['a', null], 'silence clears the speaker, once');
  // The dominant observer still holds "a" and says nothing: the loudest voice is told.
  speaker.voices('a');
  assert.deepEqual(told, ['a', null, 'a']);
  speaker.silence();
  speaker.voices('b');
  assert.deepEqual(told, ['a', null, 'a', null, 'b'], 'after a silence, whoever is loudest');
  // Once the dominant observer speaks again, it decides; loudness alone no longer moves the highlight.
  speaker.dominantIs('b');
  speaker.voices('a');
  assert.deepEqual(told, ['a', null, 'a', null, 'b']);
});

test('while silent, a change of dominant speaker waits for a voice', () => {
  const { told, speaker } = setup();
  speaker.dominantIs('a');
  speaker.silence();
  speaker.dominantIs('b');
  assert.deepEqual(told, ['a', null]);
  speaker.voices('b');
  assert.deepEqual(told, ['a', null, 'b']);
});

test('a speaker whose audio is gone is cleared', () => {
  const { told, speaker } = setup();
  speaker.dominantIs('a');
  speaker.gone('b');
  speaker.gone('a');
  assert.deepEqual(told, ['a', null]);
});
