import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ABNORMAL_CLOSURE, CloseCode, socketEnd } from '../src/index.ts';

test('a socket the client closed with 1000 or 1001 and no leave: its page is gone', () => {
  assert.equal(socketEnd(CloseCode.ClientClosed, null), 'page-gone');
  // What Chromium sends when the tab closes, navigates away or its renderer crashes.
  assert.equal(socketEnd(1001, null), 'page-gone');
});

test('a connection that ended without a close frame: broken (its process is likely gone)', () => {
  assert.equal(socketEnd(ABNORMAL_CLOSURE, null), 'broken');
  assert.equal(socketEnd(1006, null), 'broken');
});

test('a socket that ended on purpose to reconnect, or with a code of its own: dropped, the page may live', () => {
  assert.equal(socketEnd(1005, null), 'dropped');
  assert.equal(socketEnd(CloseCode.ClientDropped, null), 'dropped');
});

test("the server's own close decides, whatever code the socket reports afterwards", () => {
  assert.equal(socketEnd(1001, CloseCode.SessionEnded), 'final');
  assert.equal(socketEnd(1006, CloseCode.AccessWithdrawn), 'final');
  // A node restarting or draining: everyone comes back, their pages alive.
  assert.equal(socketEnd(1001, CloseCode.ServerRestarting), 'dropped');
  assert.equal(socketEnd(1006, CloseCode.ServerGoingAway), 'dropped');
});
