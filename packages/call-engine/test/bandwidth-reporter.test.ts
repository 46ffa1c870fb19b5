import assert from 'node:assert/strict';
import { afterEach, beforeEach, mock, test } from 'node:test';
import type { ClientMessage } from '@consulta/protocol';
import type { MeasurableConnection } from '../src/bandwidth-reporter.ts';
import { BandwidthReporter, type LinkCapacity, LinkProbeError } from '../src/index.ts';

/**
 * One SFU connection whose outgoing video is held back (or not) by its congestion controller at `aob` bit/s;
 * with `inbound`, it also receives a video stream with those cumulative counters.
 */
function sfuConnection(state: {
  held: boolean;
  aob: number;
  noPair?: boolean;
  inbound?: { received: number; lost: number };
}) {
  let bytes = 0;
  return {
    key: 'sfu',
    async getStats() {
      bytes += 100_000;
      // noPair: a poll in which no candidate pair is selected (ICE consent checks failing on a collapsed link).
      if (state.noPair) return new Map() as unknown as RTCStatsReport;
      const entries = [
        { id: 'T', type: 'transport', selectedCandidatePairId: 'P' },
        {
          id: 'P',
          type: 'candidate-pair',
          state: 'succeeded',
          nominated: true,
          availableOutgoingBitrate: state.aob,
          bytesSent: bytes,
          bytesReceived: bytes,
          timestamp: Date.now(),
        },
        {
          id: 'O',
          type: 'outbound-rtp',
          kind: 'video',
          qualityLimitationReason: state.held ? 'bandwidth' : 'none',
        },
        ...(state.inbound
          ? [
              {
                id: 'I',
                type: 'inbound-rtp',
                kind: 'video',
                packetsReceived: state.inbound.received,
                packetsLost: state.inbound.lost,
              },
            ]
          : []),
      ];
      return new Map(entries.map((e) => [e.id, e])) as unknown as RTCStatsReport;
    },
  };
}

const flush = async () => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
};

/** `n` polls of the reporter (2 s each). */
const poll = async (n = 1) => {
  for (let i = 0; i < n; i++) {
    mock.timers.tick(2000);
    await flush();
  }
};

/** A reporter on `conns` with `probe`; `messages` collects the `bandwidth` messages it sends, `sent` their uplinks. */
function reporterOn(conns: MeasurableConnection[], probe: () => Promise<LinkCapacity>) {
  const messages: Array<Extract<ClientMessage, { type: 'bandwidth' }>> = [];
  const sent: number[] = [];
  const reporter = new BandwidthReporter({
    send: (m) => {
      if (m.type !== 'bandwidth') return true;
      messages.push(m);
      sent.push(m.uplinkKbps);
      return true;
    },
    connections: () => conns,
    active: () => true,
    reported: () => {},
    forcedRelay: false,
    probe,
  });
  return { reporter, messages, sent };
}

beforeEach(() => mock.timers.enable({ apis: ['setInterval', 'Date'], now: 1_000_000 }));
afterEach(() => mock.timers.reset());

test('a collapsed uplink is reported from the live evidence, and stays reported while re-probes fail', async () => {
  const state = { held: false, aob: 2_000_000 };
  const probes: Array<() => Promise<LinkCapacity>> = [
    async () => ({ uplinkKbps: 50_000, downlinkKbps: 50_000 }),
  ];
  let probeCalls = 0;
  const { reporter, messages: sent } = reporterOn([sfuConnection(state)], () => {
    probeCalls++;
    return (
      probes.shift() ?? (async () => Promise.reject(new Error('link probe: no upload could be timed')))
    )();
  });
  reporter.start();
  await poll(3);
  assert.equal(sent.at(-1)?.uplinkKbps, 50_000, 'the probed capacity is reported');

  // The link collapses: every connection we send on is held back at ~380 kbit/s.
  Object.assign(state, { held: true, aob: 380_000 });
  await poll(4);
  assert.equal(sent.at(-1)?.uplinkKbps, 380, 'the evidence lowers the uplink once it persists');
  await poll(5);
  assert.equal(
    probeCalls,
    2,
    'and asks for a new probe (15 s after the last), which fails on the collapsed link',
  );
  assert.equal(sent.at(-1)?.uplinkKbps, 380);

  // The call now sends less, so nothing is held back; the failed probe must not bring the old capacity back.
  Object.assign(state, { held: false, aob: 400_000 });
  await poll(20);
  assert.ok(
    sent.every((m, i) => i < 1 || m.uplinkKbps === 380),
    JSON.stringify(sent.map((m) => m.uplinkKbps)),
  );
  assert.ok(probeCalls >= 3, `probed again after the spacing (${probeCalls})`);

  // A probe that succeeds replaces the evidence.
  probes.push(async () => ({ uplinkKbps: 420, downlinkKbps: 1500 }));
  await poll(40);
  assert.equal(sent.at(-1)?.uplinkKbps, 420);
  reporter.stop();
});

test('a collapse is reported as soon as its evidence persists, even right after a periodic report', async () => {
  const state = { held: false, aob: 2_000_000 };
  const { reporter, sent } = reporterOn([sfuConnection(state)], async () => ({
    uplinkKbps: 50_000,
    downlinkKbps: 50_000,
  }));
  reporter.start();
  await poll(3);
  assert.deepEqual(sent, [50_000], 'the probed capacity is reported');
  // The unchanged figure is sent again after 30 s (the server's view stays fresh); the link collapses just then.
  for (let i = 0; i < 20 && sent.length < 2; i++) await poll();
  assert.equal(sent.length, 2, 'a periodic report within 40 s');
  Object.assign(state, { held: true, aob: 380_000 });
  await poll(2);
  // Two polls (4 s) after the periodic report, under the 5 s between reports that figures otherwise keep.
  assert.deepEqual(sent, [50_000, 50_000, 380]);
  reporter.stop();
});

test('a first probe that fails on a busy machine is tried again; a server that refuses it is not', async () => {
  const run = async (failures: Error[]) => {
    let calls = 0;
    const { reporter, sent } = reporterOn([sfuConnection({ held: false, aob: 1_234_000 })], async () => {
      const failure = failures[calls++];
      if (failure) throw failure;
      return { uplinkKbps: 8000, downlinkKbps: 40_000 };
    });
    reporter.start();
    await poll(40);
    reporter.stop();
    return { sent, calls };
  };
  const busy = new LinkProbeError('link probe: too little downloaded to time in 6000 ms', true);
  const retried = await run([busy, busy]);
  assert.equal(retried.calls, 3);
  assert.deepEqual([...new Set(retried.sent)], [8000], 'the probed figure, never the estimate');
  const refused = await run([new LinkProbeError('link probe: HTTP 404', false)]);
  assert.equal(refused.calls, 1);
  assert.equal(refused.sent.at(-1), 1234, 'the connections’ estimate at once');
});

test('a relay whose uplink collapses under it (encoders at their floor, reason "none") is reported low within 3 polls; a new connection still ramping up is not', async () => {
  const state = { held: false, aob: 300_000, noPair: false };
  // Two tree links sending video capped at 2452 kbit/s each; Chrome's estimate starts low on a new connection.
  const links = ['own>a', 'relayed>b'].map((key) => ({
    ...sfuConnection(state),
    key,
    videoCapKbps: () => 2452,
  }));
  const { reporter, sent } = reporterOn(links, async () => ({ uplinkKbps: 55_000, downlinkKbps: 90_000 }));
  reporter.start();
  // Ramping up: 300 kbit/s against a cap of 2452 for the first 8 s is no evidence.
  await poll(3);
  assert.deepEqual(sent, [55_000]);
  Object.assign(state, { aob: 5_000_000 });
  await poll(5);
  assert.deepEqual(sent, [55_000], 'a link with room: the estimates climb past the caps');

  // Fibre to weak mobile: for a poll no pair is selected, then both estimates are at 85 kbit/s and the
  // encoders' reason stays 'none'. The connections' ramp-up is long over: the missing poll does not restart it.
  Object.assign(state, { noPair: true });
  await poll(1);
  Object.assign(state, { aob: 85_000, noPair: false });
  await poll(3);
  assert.equal(sent.at(-1), 170, `the evidence is reported (${sent.join(', ')})`);
  reporter.stop();
});

test('a probe that measured less than the call already sends was starved: the sent rate is reported, and it is measured again', async () => {
  // A DSL uplink (1 Mbit/s) probed on a starved machine at 119 kbit/s; the call then sends 400 kbit/s over it.
  const probes: Array<() => Promise<LinkCapacity>> = [
    async () => ({ uplinkKbps: 119, downlinkKbps: 14_000 }),
  ];
  let probeCalls = 0;
  const { reporter, sent } = reporterOn([sfuConnection({ held: false, aob: 2_000_000 })], () => {
    probeCalls++;
    return (probes.shift() ?? (async () => ({ uplinkKbps: 950, downlinkKbps: 14_000 })))();
  });
  reporter.start();
  await poll(1);
  assert.equal(sent[0], 119, 'the probe is reported first');
  await poll(3);
  assert.equal(sent.at(-1), 400, 'what the connections carry is the floor once it persists');
  await poll(10);
  assert.equal(probeCalls, 2, 'measured again (15 s after the first probe)');
  await poll(5);
  assert.equal(sent.at(-1), 950, 'the new probe stands');
  reporter.stop();
});

test('the media lost on the paths in use is reported once the connection has ramped up, not while probing', async () => {
  // Packets lost per 100 between two polls: 30 while our probe fills the link, then 4 (under the 5 % at which lost
  // media asks for a new probe).
  let lossPerPoll = 30;
  const state = { held: false, aob: 2_000_000, inbound: { received: 0, lost: 0 } };
  const conn = sfuConnection(state);
  const counted = {
    key: conn.key,
    getStats() {
      state.inbound.received += 100 - lossPerPoll;
      state.inbound.lost += lossPerPoll;
      return conn.getStats();
    },
  };
  let finishProbe: (c: LinkCapacity) => void = () => {};
  const { reporter, messages: sent } = reporterOn(
    [counted],
    () => new Promise((resolve) => (finishProbe = resolve)),
  );
  reporter.start();
  // The probe runs for the first 20 s: the connection ramps up meanwhile, and nothing is reported or counted.
  await poll(10);
  assert.equal(sent.length, 0);
  lossPerPoll = 4;
  finishProbe({ uplinkKbps: 5000, downlinkKbps: 20_000 });
  await flush();
  await poll(1); // spans the probe's end: not counted
  assert.equal(sent.at(-1)?.receiveLossPercent, undefined);
  await poll(2); // two polls counted: too few to tell
  assert.equal(sent.at(-1)?.receiveLossPercent, undefined);
  await poll(1); // three: the worst left out, 8 of 200 lost (counting the probe's polls would say 10.5)
  assert.equal(sent.at(-1)?.receiveLossPercent, 4);
  reporter.stop();
});
