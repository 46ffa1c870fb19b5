import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UnreachableReporter } from '../src/unreachable-reporter.ts';

test('a connection that was up and loses connectivity is reported once per outage', () => {
  const sent: string[] = [];
  const r = new UnreachableReporter((peerId) => sent.push(peerId));
  r.state('k', 'relay', 'connecting', true);
  r.state('k', 'relay', 'failed', true);
  assert.deepEqual(sent, [], 'never up: no evidence about the peer');
  r.state('k', 'relay', 'connected', true);
  r.state('k', 'relay', 'disconnected', true);
  r.state('k', 'relay', 'failed', true);
  assert.deepEqual(sent, ['relay'], 'disconnected then failed: one outage, one report');
  r.state('k', 'relay', 'connected', true);
  r.state('k', 'relay', 'disconnected', true);
  assert.deepEqual(sent, ['relay', 'relay'], 'up again, then down: a new outage');
});

test('a link closed or forgotten reports nothing more', () => {
  const sent: string[] = [];
  const r = new UnreachableReporter((peerId) => sent.push(peerId));
  r.state('a', 'p', 'connected', true);
  r.forget('a');
  r.state('a', 'p', 'disconnected', true);
  r.state('b', 'q', 'connected', true);
  r.state('b', 'q', 'closed', true);
  r.state('b', 'q', 'failed', true);
  assert.deepEqual(sent, []);
});

test('a link the plan no longer wants (being retired) is not reported: the peer closed its end', () => {
  const sent: string[] = [];
  const r = new UnreachableReporter((peerId) => sent.push(peerId));
  r.state('k', 'p', 'connected', true);
  r.state('k', 'p', 'disconnected', false);
  r.state('k', 'p', 'failed', true);
  assert.deepEqual(sent, []);
});
