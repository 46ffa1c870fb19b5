// Fixed bandwidth figures go with the join, and are then not sent a second time after `joined`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClientMessage } from '@consulta/protocol';
import { BandwidthReporter } from '../src/bandwidth-reporter.ts';

test('fixed figures ride on the join; after joined they are only sent when the join did not carry them', () => {
  const sent: ClientMessage[] = [];
  const reported: unknown[] = [];
  const reporter = new BandwidthReporter({
    send: (m) => sent.push(m) > 0,
    connections: () => [],
    active: () => true,
    reported: (s) => reported.push(s),
    device: 'desktop',
    forcedRelay: false,
    fixed: { uplinkKbps: 6000.4, downlinkKbps: 20000 },
  });
  const sample = { uplinkKbps: 6000, downlinkKbps: 20000, relayOnly: false };
  assert.deepEqual(reporter.forJoin(), { ...sample, device: 'desktop' });
  reporter.reportFixed();
  assert.deepEqual(sent, [], 'the join carried them');
  assert.deepEqual(reported, [sample]);
  // A join without them (say an old path that did not ask): they follow `joined` as before.
  reporter.reportFixed();
  assert.deepEqual(sent, [{ type: 'bandwidth', ...sample, device: 'desktop' }]);
});

test('without fixed figures a join carries the last report, or nothing before any', () => {
  const reporter = new BandwidthReporter({
    send: () => true,
    connections: () => [],
    active: () => true,
    reported: () => {},
    forcedRelay: false,
  });
  assert.equal(reporter.forJoin(), undefined);
});

test('the link is probed from the start: a waiting guest reports it, and a join carries it', async () => {
  const sent: ClientMessage[] = [];
  let waiting = true;
  let finish: (v: { uplinkKbps: number; downlinkKbps: number }) => void = () => {};
  const reporter = new BandwidthReporter({
    send: (m) => sent.push(m) > 0,
    connections: () => [],
    active: () => !waiting,
    waiting: () => waiting,
    reported: () => {},
    forcedRelay: false,
    polling: { pollIntervalMs: 60_000 },
    probe: () => new Promise((resolve) => (finish = resolve)),
  });
  reporter.start();
  assert.equal(reporter.forJoin(), undefined, 'nothing known before the probe ends');
  finish({ uplinkKbps: 9000.6, downlinkKbps: 40000 });
  await new Promise((r) => setImmediate(r));
  const sample = { uplinkKbps: 9001, downlinkKbps: 40000, relayOnly: false };
  assert.deepEqual(sent, [{ type: 'bandwidth', ...sample }], 'reported from the waiting room');
  assert.deepEqual(reporter.forJoin(), sample);
  waiting = false;
  reporter.stop();
});
