import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Heartbeat } from './heartbeat.ts';

class FakeSocket {
  pings = 0;
  terminated = false;
  constructor(
    readonly name: string,
    public relay = false,
  ) {}
  ping() {
    this.pings++;
  }
  terminate() {
    this.terminated = true;
  }
}

function setup() {
  let now = 0;
  const relay = new FakeSocket('relay', true);
  const leaf = new FakeSocket('leaf');
  const told: string[] = [];
  const beat = new Heartbeat<FakeSocket>({
    sockets: () => [relay, leaf],
    relays: (s) => s.relay,
    intervalMs: 15_000,
    relayIntervalMs: 3000,
    // Told before the socket is terminated, so the close that follows can be read as the server's doing.
    onDrop: (s) => told.push(`${s.name}${s.terminated ? ' (already terminated)' : ''}`),
    now: () => now,
  });
  return { relay, leaf, beat, told, at: (ms: number) => (now = ms) };
}

test('a relay that stops answering is dropped after one relay interval; a quiet leaf is left to the slow beat', () => {
  const { relay, leaf, beat, told, at } = setup();
  at(3000);
  beat.check(3000, true);
  assert.equal(relay.pings, 1);
  assert.equal(leaf.pings, 0, 'the relay round does not ping others');
  at(6000);
  beat.check(3000, true);
  assert.equal(relay.terminated, true, 'its ping went unanswered for a relay interval');
  assert.equal(leaf.terminated, false);
  assert.deepEqual(told, ['relay'], 'the drop is announced before the terminate');
});

test('a relay that answers is pinged again and kept', () => {
  const { relay, beat, at } = setup();
  for (let t = 3000; t <= 30_000; t += 3000) {
    at(t);
    beat.check(3000, true);
    beat.heard(relay);
  }
  assert.equal(relay.terminated, false);
  assert.equal(relay.pings, 10);
});

test('the ordinary beat drops any socket whose ping is an interval old, and not one pinged just before', () => {
  const { relay, leaf, beat, at } = setup();
  at(15_000);
  beat.check(15_000, false);
  assert.deepEqual([relay.pings, leaf.pings], [1, 1]);
  beat.heard(relay);
  // The relay round pings the relay again 100 ms before the ordinary round: too recent to count against it.
  at(29_900);
  beat.check(3000, true);
  at(30_000);
  beat.check(15_000, false);
  assert.equal(leaf.terminated, true, 'the leaf never answered');
  assert.equal(relay.terminated, false, 'the relay was pinged 100 ms before');
});

test('a socket that sends anything counts as answering', () => {
  const { leaf, beat, at } = setup();
  at(15_000);
  beat.check(15_000, false);
  beat.heard(leaf);
  at(30_000);
  beat.check(15_000, false);
  assert.equal(leaf.terminated, false);
  assert.equal(leaf.pings, 2);
});
