import assert from 'node:assert/strict';
import { test } from 'node:test';
import { streamsFedBy, whenTrue } from '../src/make-before-break.ts';

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
