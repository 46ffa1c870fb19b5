import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import { createIceServers } from '../../apps/server/src/turn/index.ts';

const turn = {
  secret: 'consulta-test-secret-0123456789',
  credentialTtlSeconds: 3600,
  urls: [
    'stun:turn.example.org:3478',
    'turn:turn.example.org:3478?transport=udp',
    'turns:turn.example.org:5349',
  ],
};
const now = Date.UTC(2023, 10, 14, 22, 13, 20); // 1700000000 s

describe('createIceServers', () => {
  test('matches a credential computed with openssl (TURN REST API format)', () => {
    // printf %s 1700003600:user-42 | openssl dgst -sha1 -hmac consulta-test-secret-0123456789 -binary | base64
    const result = createIceServers(turn, 'user-42', now);
    const relay = result.iceServers.find((s) => s.username);
    assert.equal(relay?.username, '1700003600:user-42');
    assert.equal(relay?.credential, 'rbsAJesFVgzNiZqUNeSJzdFny7w=');
  });

  test('username carries the expiry; the credential is the HMAC of the username', () => {
    const t = now + 123_456; // not on a whole second
    const result = createIceServers(turn, 'participant-7', t);
    const expiry = Math.floor(t / 1000) + 3600;
    assert.equal(result.ttlSeconds, 3600);
    assert.equal(result.expiresAt, new Date(expiry * 1000).toISOString());
    const relay = result.iceServers.find((s) => s.username)!;
    assert.equal(relay.username, `${expiry}:participant-7`);
    assert.equal(relay.credential, createHmac('sha1', turn.secret).update(relay.username!).digest('base64'));
    assert.notEqual(
      createIceServers({ ...turn, secret: 'another-secret-0123456789' }, 'participant-7', t).iceServers[1]
        ?.credential,
      relay.credential,
    );
  });

  test('STUN URLs come without credentials, TURN URLs with them', () => {
    const { iceServers } = createIceServers(turn, 'u1', now);
    assert.deepEqual(iceServers[0], { urls: ['stun:turn.example.org:3478'] });
    assert.deepEqual(iceServers[1]?.urls, [
      'turn:turn.example.org:3478?transport=udp',
      'turns:turn.example.org:5349',
    ]);
    assert.equal(iceServers.length, 2);
    const onlyTurn = createIceServers({ ...turn, urls: ['turn:h:3478'] }, 'u1', now).iceServers;
    assert.equal(onlyTurn.length, 1);
    assert.ok(onlyTurn[0]?.credential);
  });

  test('rejects subjects that would corrupt the username', () => {
    for (const bad of ['', 'a:b', 'with space', 'x'.repeat(201)]) {
      assert.throws(() => createIceServers(turn, bad, now), TypeError, JSON.stringify(bad));
    }
  });
});
