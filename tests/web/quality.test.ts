// The pure pieces of the web apps: rating a connection from getStats() objects, the speaker pick, route wording,
// and the admin's figures.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Plan, PlanReasonCodes } from '@consulta/protocol';
import { formatDuration, formatSize } from '../../apps/web/src/admin/format.ts';
import {
  audioCounters,
  averageLevel,
  classify,
  describeFigures,
  heardSpeaker,
  loudest,
  readQuality,
} from '../../apps/web/src/shared/call/quality.ts';
import { mainReason, reasonWords } from '../../apps/web/src/shared/call/topology.ts';

const pair = (rttSeconds: number, localType = 'host') => [
  { type: 'transport', id: 'T', selectedCandidatePairId: 'P' },
  { type: 'candidate-pair', id: 'P', currentRoundTripTime: rttSeconds, localCandidateId: 'L' },
  { type: 'local-candidate', id: 'L', candidateType: localType },
];
const inbound = (kind: string, lost: number, received: number, jitter: number, energy = 0, seconds = 0) => ({
  type: 'inbound-rtp',
  id: `in-${kind}`,
  kind,
  packetsLost: lost,
  packetsReceived: received,
  jitter,
  totalAudioEnergy: energy,
  totalSamplesDuration: seconds,
});

describe('connection quality', () => {
  test('RTT from the selected pair, jitter in ms, loss as the share lost since the last poll', () => {
    const first = readQuality(
      [...pair(0.012), inbound('video', 0, 1000, 0.004), inbound('audio', 0, 500, 0.002)],
      null,
    );
    assert.equal(first.rttMs, 12);
    assert.equal(first.jitterMs, 4);
    assert.equal(first.lossPct, null, 'no loss figure before a second poll');
    assert.equal(first.level, 'good');
    const second = readQuality(
      [...pair(0.012), inbound('video', 30, 1270, 0.004), inbound('audio', 0, 600, 0.002)],
      first.counters,
    );
    // 30 lost of 30 + 370 in the interval.
    assert.equal(second.lossPct, 7.5);
    assert.equal(second.level, 'fair');
  });

  test('the other side’s reported loss counts, and a TURN pair is noticed', () => {
    const r = readQuality(
      [
        ...pair(0.05, 'relay'),
        { type: 'remote-inbound-rtp', id: 'R', fractionLost: 0.2, roundTripTime: 0.05 },
      ],
      null,
    );
    assert.equal(r.lossPct, 20);
    assert.equal(r.level, 'poor');
    assert.equal(r.viaTurn, true);
  });

  test('without a pair the RTT comes from remote-inbound-rtp; nothing measured is unknown', () => {
    assert.equal(readQuality([{ type: 'remote-inbound-rtp', id: 'R', roundTripTime: 0.7 }], null).rttMs, 700);
    assert.equal(readQuality([], null).level, 'unknown');
    assert.equal(classify(null, null, null, true), 'unknown');
    assert.equal(classify(700, 0, 0, true), 'poor');
    assert.equal(classify(100, 0, 50, true), 'fair');
  });

  test('audio level is the RMS over the interval from energy and duration', () => {
    const a = readQuality([inbound('audio', 0, 10, 0, 1, 10)], null);
    const b = readQuality([inbound('audio', 0, 20, 0, 1 + 0.25 * 2, 12)], a.counters);
    assert.equal(b.audioLevel, 0.5);
    assert.equal(
      loudest(
        new Map([
          ['a', 0.01],
          ['b', 0.3],
          ['c', 0.2],
        ]),
      ),
      'b',
    );
    assert.equal(loudest(new Map([['a', 0.01]])), null, 'background noise is nobody speaking');
  });

  test('on the SFU the announced speaker is shown while heard, cleared in silence, shown again when heard', () => {
    // Our microphone (media-source) and what we hear (inbound-rtp) are read apart.
    const report = [
      { type: 'media-source', kind: 'audio', totalAudioEnergy: 2, totalSamplesDuration: 8 },
      inbound('audio', 0, 10, 0, 5, 10),
      inbound('video', 0, 10, 0),
    ];
    assert.deepEqual(audioCounters(report, 'media-source'), { energy: 2, seconds: 8 });
    assert.deepEqual(audioCounters(report, 'inbound-rtp'), { energy: 5, seconds: 10 });
    assert.equal(averageLevel({ energy: 5, seconds: 10 }, undefined), null, 'no earlier poll');
    assert.equal(averageLevel({ energy: 1.5, seconds: 12 }, { energy: 1, seconds: 10 }), 0.5);
    assert.equal(averageLevel({ energy: 1, seconds: 10 }, { energy: 1, seconds: 10 }), 0, 'nothing played');

    const speaking = new Map([['pat', 0.3]]);
    const silent = new Map([['pat', 0.001]]);
    assert.equal(heardSpeaker('pat', speaking), 'pat');
    assert.equal(heardSpeaker('pat', silent), null, 'the server keeps its last speaker; silence clears it');
    assert.equal(heardSpeaker('pat', new Map([['pat', null]])), 'pat', 'no level read yet: as announced');
    assert.equal(heardSpeaker('pat', new Map()), 'pat');
    assert.equal(heardSpeaker(null, speaking), null, 'nobody announced');
  });

  test('figures in words leave out what is unknown', () => {
    assert.equal(describeFigures({ rttMs: 3, lossPct: 0, jitterMs: 1 }), 'RTT 3 ms · loss 0 % · jitter 1 ms');
    assert.equal(describeFigures({ rttMs: null, lossPct: null, jitterMs: 2 }), 'jitter 2 ms');
  });
});

describe('route and admin wording', () => {
  test('the first reason explains the topology; every reason code has words', () => {
    const plan: Plan = {
      version: 1,
      topology: 'p2p',
      quality: 'hd',
      reasons: [{ code: 'two-party' }],
      edges: [],
    };
    assert.match(mainReason(plan) ?? '', /Two people/);
    assert.equal(mainReason({ ...plan, reasons: [] }), null);
    for (const code of PlanReasonCodes) assert.ok(reasonWords(code).length > 10, code);
  });

  test('durations and sizes', () => {
    assert.equal(formatDuration(null), '–');
    assert.equal(formatDuration(65_400), '1:05');
    assert.equal(formatDuration(3_725_000), '1:02:05');
    assert.equal(formatSize('999'), '999 B');
    assert.equal(formatSize('1534000'), '1.5 MB');
    assert.equal(formatSize('25000000000'), '25 GB');
  });
});
