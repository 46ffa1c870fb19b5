import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CloseCode, socketEnd } from '../src/index.ts';

test('a socket the client closed with 1000 or 1001 and no leave: its page is gone', () => {
  assert.equal(socketEnd(CloseCode.ClientClosed, null), 'page-gone');
  // What Chromium sends when the tab closes, navigates away or its renderer crashes.
  assert.equal(socketEnd(1001, null), 'page-gone');
});

test('a socket that ended without a word or on purpose to reconnect: dropped, the page may live', () => {
  assert.equal(socketEnd(1006, null), 'dropped');
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
