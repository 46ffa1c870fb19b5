// Glass-to-glass latency on the network lab's access profiles (issue 19): a 1:1 P2P call between two lab hosts
// (each behind its own NAT router with the profile's rates, loss and queue), both pages running the latency probe
// (tests/support/latency-probe). Run inside a lab of its own by bench/latency.bench.ts (runInLab); prints one
// `LATENCYLAB {json}` line per direction. What the shaped links add over loopback is their queueing (TBF queues,
// bufferbloat) and the senders' congestion control reacting to it and to loss: the lab has no fixed propagation
// delay (no netem here), so these figures are the access networks' own share of a real call's latency.
import os from 'node:os';
import {
  clearSamples,
  installLatencyProbe,
  readSamples,
  waitForSamples,
} from '../../tests/support/latency-probe/inject.ts';
import type { ProbeSample } from '../../tests/support/latency-probe/page.ts';
import { type LatencySummary, summarizeSamples } from '../../tests/support/latency-probe/stats.ts';
import {
  LAB_ADDRESSES,
  LabCall,
  type LabCertificates,
  labId,
  makeCertificates,
  NetLab,
  type ProfileName,
} from '../../tests/support/netlab/index.ts';

export const LAB_LINE_TAG = 'LATENCYLAB';

/** Clinician's profile, patient's profile; the hospital one reaches the patient only through TURN over TLS. */
export const LAB_PAIRS: Array<[ProfileName, ProfileName]> = [
  ['fibre', 'fibre'],
  ['dsl', '4g'],
  ['4g', 'weak-mobile'],
  ['hospital', '4g'],
];

/** Per direction after media flowed: at least this many frames and beeps (fewer on a lossy link is a finding). */
export const LAB_OPTIONS = { frames: 120, beeps: 8, waitMs: 90_000 };

export type LabLatencyLine =
  | {
      kind: 'pair';
      pair: string;
      senderProfile: ProfileName;
      receiverProfile: ProfileName;
      video: LatencySummary;
      audio: LatencySummary;
      load: number;
    }
  | { kind: 'failed'; pair: string; reason: string };

const emit = (line: LabLatencyLine) => console.log(`${LAB_LINE_TAG} ${JSON.stringify(line)}`);
const pairName = ([a, b]: [ProfileName, ProfileName]) => `${a} ↔ ${b}`;

async function measurePair(
  lab: NetLab,
  certs: LabCertificates,
  pair: [ProfileName, ProfileName],
  index: number,
) {
  const call = await LabCall.start({
    tls: certs,
    prepareContext: (context, participant) => installLatencyProbe(context, { sender: participant }),
  });
  try {
    const [docProfile, patientProfile] = pair;
    // Behind the hospital's firewall only TURN over TLS on 443 gets out (tests/netlab/firewall.test.ts).
    const onlyIce = docProfile === 'hospital' ? { onlyIceUrls: `turns:${LAB_ADDRESSES.turn}:443` } : {};
    const doc = await call.addClinician('clinician', await lab.addHost(`lat${index}a`, docProfile), onlyIce);
    const patient = await call.addGuest('patient', await lab.addHost(`lat${index}b`, patientProfile));
    await call.settledPlan((p) => p.topology === 'p2p', 60_000);
    const a = { page: doc.page, sender: 0, profile: docProfile };
    const b = { page: patient.page, sender: 1, profile: patientProfile };
    const people = [a, b];
    /** [receiver, sender] */
    const directions = [
      [a, b],
      [b, a],
    ] as const;
    // Media flowing both ways first (key frames, a filling jitter buffer, congestion control's first ramp).
    for (const [r, s] of directions) {
      await waitForSamples(r.page, { sender: s.sender, video: 30, audio: 2 }, LAB_OPTIONS.waitMs);
    }
    await Promise.all(people.map((p) => clearSamples(p.page)));
    for (const [r, s] of directions) {
      await waitForSamples(
        r.page,
        { sender: s.sender, video: LAB_OPTIONS.frames, audio: LAB_OPTIONS.beeps },
        LAB_OPTIONS.waitMs,
      );
    }
    const load = os.loadavg()[0]!;
    for (const [r, s] of directions) {
      const samples = newestTracks(await readSamples(r.page), s.sender);
      emit({
        kind: 'pair',
        pair: pairName(pair),
        senderProfile: s.profile,
        receiverProfile: r.profile,
        video: summarizeSamples(samples, s.sender, 'video'),
        audio: summarizeSamples(samples, s.sender, 'audio'),
        load,
      });
    }
  } finally {
    await call.close();
  }
}

/** The newest received track per kind of `sender` only: an ICE restart or renegotiation may leave an old one. */
function newestTracks(all: ProbeSample[], sender: number): ProbeSample[] {
  const of = all.filter((s) => s.track > 0 && s.sender === sender);
  const newest = (kind: ProbeSample['kind']) =>
    Math.max(0, ...of.filter((s) => s.kind === kind).map((s) => s.track));
  const keep = new Set([newest('video'), newest('audio')]);
  return of.filter((s) => keep.has(s.track));
}

if (labId() && process.argv[1] === import.meta.filename) {
  const lab = await NetLab.create();
  const certs = await makeCertificates(LAB_ADDRESSES.turn);
  try {
    for (const [i, pair] of LAB_PAIRS.entries()) {
      try {
        await measurePair(lab, certs, pair, i);
      } catch (err) {
        const reason = (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 300);
        emit({ kind: 'failed', pair: pairName(pair), reason });
      }
    }
  } finally {
    certs.dispose();
    await lab.close();
  }
}
