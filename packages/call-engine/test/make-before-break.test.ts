import assert from 'node:assert/strict';
import { test } from 'node:test';
import { streamsFedBy, whenSfuDelivers, whenTrue } from '../src/make-before-break.ts';

const track = (id: string) => ({ id }) as unknown as MediaStreamTrack;
const stream = (...tracks: MediaStreamTrack[]) => ({ getTracks: () => tracks }) as unknown as MediaStream;

test('streamsFedBy: all, some or none of the present peers’ tracks belong to the new path', () => {
  const [sfuA, sfuB, p2pB] = [track('sfu-a'), track('sfu-b'), track('p2p-b')];
  const owns = (t: MediaStreamTrack) => t.id.startsWith('sfu');
  const present = new Set(['a', 'b']);
  assert.deepEqual(
    streamsFedBy(
      [
        ['a', stream(sfuA)],
        ['b', stream(sfuB)],
      ],
      present,
      owns,
    ),
    { all: true, any: true },
  );
  assert.deepEqual(
    streamsFedBy(
      [
        ['a', stream(sfuA)],
        ['b', stream(p2pB)],
      ],
      present,
      owns,
    ),
    { all: false, any: true },
  );
  assert.deepEqual(streamsFedBy([['b', stream(p2pB)]], present, owns), { all: false, any: false });
  assert.deepEqual(
    streamsFedBy([['gone', stream(p2pB)]], present, owns),
    { all: true, any: false },
    'streams of peers who left do not count',
  );
  assert.deepEqual(streamsFedBy([], present, owns), { all: true, any: false });
});

test('whenTrue resolves once the condition holds, or at the timeout', async () => {
  let calls = 0;
  await whenTrue(() => ++calls >= 3, 5000);
  assert.equal(calls, 3);
  const started = Date.now();
  await whenTrue(() => false, 150);
  assert.ok(Date.now() - started >= 150);
});

test('whenSfuDelivers: the timeout runs from when the SFU session is up, not from the plan', async () => {
  // The session comes up after 400 ms, longer than the 250 ms timeout; it delivers 200 ms later.
  const started = Date.now();
  const upAt = started + 400;
  const deliversAt = upAt + 200;
  await whenSfuDelivers(
    { up: () => Date.now() >= upAt, delivers: () => Date.now() >= deliversAt },
    250,
    5000,
  );
  const waited = Date.now() - started;
  assert.ok(waited >= 600, `waited ${waited} ms: the old path must stay until the SFU delivers`);
  assert.ok(waited < 5000, `waited ${waited} ms: delivery ends the wait`);
});

test('whenSfuDelivers: an SFU that is up but never delivers is given up on after the timeout', async () => {
  const started = Date.now();
  await whenSfuDelivers({ up: () => true, delivers: () => false }, 200, 5000);
  const waited = Date.now() - started;
  assert.ok(waited >= 200 && waited < 2000, `waited ${waited} ms`);
});

test('whenSfuDelivers: a session that never comes up is waited for the start limit, then given up on', async () => {
  const started = Date.now();
  await whenSfuDelivers({ up: () => false, delivers: () => false }, 200, 300);
  const waited = Date.now() - started;
  assert.ok(waited >= 500 && waited < 3000, `waited ${waited} ms (start limit 300 + timeout 200)`);
});
