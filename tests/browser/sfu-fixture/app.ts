/// <reference lib="dom" />
// The browser side of the SFU tests: drives @consulta/call-engine and exposes `window.sfuTest` for
// page.evaluate. One <video> per remote sender is bound to the engine's stable stream for that sender; a frame
// callback on it records when frames are shown, which is the media gap a user would see during a migration.
import type { Recording } from '@consulta/protocol';
import { CallEngine, statsValues, statsWithin } from '../../../packages/call-engine/src/index.ts';
import { type EngineHarness, EnginePage, mutedVideo } from '../../support/engine-page.ts';
import { AudioMeter } from '../fixture/audio-meter.ts';

/** Per sender: what arrived over a path, summed over its inbound-rtp entries. */
export interface Received {
  frames: number;
  /** Widest decoded frame among the sender's video receivers. */
  frameWidth: number;
  audioPackets: number;
  /** Energy of the decoded audio: the receivers' totalAudioEnergy, or Web Audio where that is 0 (AudioMeter). */
  audioEnergy: number;
}

export interface SfuHarness extends EngineHarness {
  /** Joins, reporting `bandwidth` (default: ample, so the plan depends only on the group size). */
  start(
    consultationId: string,
    bandwidth?: { uplinkKbps: number; downlinkKbps: number },
    camera?: { width: number; height: number },
  ): Promise<void>;
  /** The UI's tile preference for a sender (the SFU picks the simulcast layer from it). */
  setTilePreference(peerId: string, visible: boolean, width: number): void;
  setMuted(kind: 'audio' | 'video', muted: boolean): void;
  /** What arrives through the SFU's consumers, per sender. */
  viaSfu(): Promise<Record<string, Received>>;
  /** What arrives through peer connections (mesh or tree), per sender. */
  viaPeers(): Promise<Record<string, Received>>;
  /** Frames shown per sender (the tile's <video>), and how many stream objects the sender's tile was given. */
  shown(): Record<string, { frames: number; lastFrameAt: number; streams: number }>;
  /** Longest time between two shown frames of each sender, counting only gaps that end after `since` (and by `until`). */
  longestGap(since: number, until?: number): Record<string, number>;
  activeSpeakers(): Array<string | null>;
  paused(): Array<{ peerId: string; kind: string; paused: boolean }>;
  sfuStates(): string[];
  /** How many `joined` the engine got (1 = never re-joined). */
  joinedCount(): number;
  /**
   * The SFU transports' byte counters: everything on the wire (bytesSent/bytesReceived of their selected candidate
   * pairs: ICE, DTLS, RTCP and bandwidth probes included) and media payload alone (outbound-rtp bytesSent of the
   * send transport, inbound-rtp bytesReceived of the receive one: headers and padding excluded).
   */
  sfuBytes(): Promise<{
    sent: number;
    received: number;
    /** RTP payload octets of media (rtpPayloadBytes), all kinds and the audio part. */
    mediaSent: number;
    mediaSentAudio: number;
    mediaReceived: number;
    mediaReceivedAudio: number;
    /** RTP payload octets of bandwidth probes, both ways: RTX resends and mediasoup's probator. */
    probes: number;
  }>;
  /** Bytes sent over peer connections (all of them). */
  peerBytesSent(): Promise<number>;
  /** Every `recording` state received (recording tests). */
  recordings(): Recording[];
  /** When (epoch ms) each recording state arrived, in order. */
  recordingArrivals(): Array<{ id: string; status: Recording['status']; at: number }>;
  /** The video layers this page sends to the SFU now (outbound-rtp of its send transport). */
  sentVideoLayers(): Promise<Array<{ rid: string; width: number; height: number; framesEncoded: number }>>;
  /** Answers a recording's consent request as this participant. */
  consent(recordingId: string, granted: boolean): void;
}

declare global {
  interface Window {
    sfuTest: SfuHarness;
  }
}

let joinedCount = 0;
const speakers: Array<string | null> = [];
const pausedEvents: Array<{ peerId: string; kind: string; paused: boolean }> = [];
const sfuStates: string[] = [];
const recordingLog: Recording[] = [];
const recordingArrivals: Array<{ id: string; status: Recording['status']; at: number }> = [];
const tiles = new Map<
  string,
  { video: HTMLVideoElement; stream: MediaStream | null; streams: number; frameTimes: number[] }
>();
let meter: AudioMeter | null = null;
const page = new EnginePage(12);
const log = page.log;
const tilesEl = document.getElementById('tiles')!;
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

/** The sender's tile: a <video> on the engine's stable stream, counting frames as they are presented. */
function tile(sender: string, stream: MediaStream): void {
  let t = tiles.get(sender);
  if (!t) {
    const video = mutedVideo();
    tilesEl.appendChild(video);
    t = { video, stream: null, streams: 0, frameTimes: [] };
    tiles.set(sender, t);
    const entry = t;
    const onFrame = () => {
      entry.frameTimes.push(performance.now() + performance.timeOrigin);
      video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
  }
  if (t.stream !== stream) {
    t.stream = stream;
    t.streams++;
    t.video.srcObject = stream;
  }
}

async function received(reports: Array<{ sender: string; report: Promise<RTCStatsReport> }>) {
  const out: Record<string, Received> = {};
  await Promise.all(
    reports.map(async ({ sender, report }) => {
      const entry = out[sender] ?? { frames: 0, frameWidth: 0, audioPackets: 0, audioEnergy: 0 };
      out[sender] = entry;
      try {
        for (const s of statsValues(await report)) {
          if (s.type !== 'inbound-rtp') continue;
          if (s.kind === 'video') {
            entry.frames += num(s.framesDecoded);
            entry.frameWidth = Math.max(entry.frameWidth, num(s.frameWidth));
          } else {
            entry.audioPackets += num(s.packetsReceived);
            entry.audioEnergy += num(s.totalAudioEnergy);
          }
        }
      } catch {
        // closed meanwhile
      }
    }),
  );
  for (const [sender, entry] of Object.entries(out)) {
    // Chromium leaves totalAudioEnergy at 0 for remote audio it does not play out (the tiles are muted).
    const track = tiles.get(sender)?.stream?.getAudioTracks()[0];
    if (entry.audioEnergy > 0 || !track) continue;
    meter ??= new AudioMeter();
    meter.watch(sender, track);
    entry.audioEnergy = meter.energies()[sender] ?? 0;
  }
  return out;
}

/** bytesSent/bytesReceived of the selected candidate pair in a report. */
function pairBytes(report: RTCStatsReport | null): { sent: number; received: number } {
  if (!report) return { sent: 0, received: 0 };
  const stats = statsValues(report);
  const transport = stats.find((s) => s.type === 'transport');
  const pair =
    stats.find((s) => s.type === 'candidate-pair' && s.id === transport?.selectedCandidatePairId) ??
    stats.find((s) => s.type === 'candidate-pair' && s.nominated);
  return { sent: num(pair?.bytesSent), received: num(pair?.bytesReceived) };
}

/**
 * RTP payload octets (RFC 3550: no headers, no padding) by direction, split into media and the congestion
 * controllers' probes. Chromium probes bandwidth by resending old packets over RTX (counted in bytesSent, and
 * in retransmittedBytesSent), and mediasoup probes a receiver on its own `probator` stream: neither is media
 * from a sender's track, and both come and go with load.
 */
function rtpPayloadBytes(
  report: RTCStatsReport | null,
  type: 'outbound-rtp' | 'inbound-rtp',
): { media: number; audio: number; probes: number } {
  const bytes = { media: 0, audio: 0, probes: 0 };
  if (!report) return bytes;
  for (const s of statsValues(report).filter((s) => s.type === type)) {
    const all = num(type === 'outbound-rtp' ? s.bytesSent : s.bytesReceived);
    const probator = s.mid === 'probator' || s.trackIdentifier === 'probator';
    const resent = probator
      ? all
      : num(type === 'outbound-rtp' ? s.retransmittedBytesSent : s.retransmittedBytesReceived);
    bytes.probes += resent;
    bytes.media += all - resent;
    if (s.kind === 'audio') bytes.audio += all - resent;
  }
  return bytes;
}

window.sfuTest = {
  ...page.harness(),

  async start(consultationId, bandwidth, camera) {
    const local = await navigator.mediaDevices.getUserMedia({
      audio: true,
      video: { ...(camera ?? { width: 320, height: 240 }), frameRate: 15 },
    });
    const engine = page.use(
      new CallEngine({
        consultationId,
        localStream: local,
        device: 'desktop',
        fixedBandwidth: bandwidth ?? { uplinkKbps: 20_000, downlinkKbps: 20_000 },
      }),
    );
    engine.on('plan', (p) => log(`plan v${p.version} ${p.topology}`));
    engine.on('joined', () => {
      joinedCount++;
    });
    engine.on('track', (e) => {
      log(`track ${e.track.kind} of ${e.streamId.slice(0, 6)} via ${e.peerId.slice(0, 6)}`);
      tile(e.streamId, e.stream);
    });
    engine.on('stream-removed', ({ streamId }) => log(`stream removed ${streamId.slice(0, 6)}`));
    engine.on('active-speaker', (id) => speakers.push(id));
    engine.on('recording', (r) => {
      recordingLog.push(r);
      recordingArrivals.push({ id: r.id, status: r.status, at: Date.now() });
    });
    engine.on('media-paused', (e) => {
      pausedEvents.push(e);
      log(`${e.peerId.slice(0, 6)} ${e.kind} ${e.paused ? 'paused' : 'resumed'}`);
    });
    engine.on('sfu', (e) => {
      sfuStates.push(`${e.state}:${e.epoch}`);
      log(`sfu ${e.state} epoch ${e.epoch}`);
    });
    await engine.start();
  },

  setMuted: (kind, muted) => page.engine?.setMuted(kind, muted),
  setTilePreference: (peerId, visible, width) => page.engine?.setTilePreference(peerId, { visible, width }),

  viaSfu: () =>
    received((page.engine?.sfuReceivers() ?? []).map((r) => ({ sender: r.peerId, report: statsWithin(r) }))),
  viaPeers: () =>
    received(
      (page.engine?.connections() ?? [])
        .filter((c) => c.role !== 'send' && c.pc.connectionState !== 'closed')
        // Bounded: a Firefox getStats() on a connection closed meanwhile can stay pending for good (a CI run hung
        // 180 s in this call right after the patient's mesh link closed).
        .map((c) => ({ sender: c.role === 'mesh' ? c.remote : c.streamId, report: statsWithin(c.pc) })),
    ),

  shown: () =>
    Object.fromEntries(
      [...tiles].map(([sender, t]) => [
        sender,
        { frames: t.frameTimes.length, lastFrameAt: t.frameTimes.at(-1) ?? 0, streams: t.streams },
      ]),
    ),
  longestGap(since, until = Number.POSITIVE_INFINITY) {
    const out: Record<string, number> = {};
    for (const [sender, t] of tiles) {
      let longest = 0;
      for (let i = 1; i < t.frameTimes.length; i++) {
        if (t.frameTimes[i]! < since || t.frameTimes[i]! > until) continue;
        longest = Math.max(longest, t.frameTimes[i]! - t.frameTimes[i - 1]!);
      }
      out[sender] = Math.round(longest);
    }
    return out;
  },
  activeSpeakers: () => speakers,
  paused: () => pausedEvents,
  sfuStates: () => sfuStates,
  joinedCount: () => joinedCount,
  async sfuBytes() {
    const stats = await (page.engine?.sfuTransportStats() ?? Promise.resolve({ send: null, recv: null }));
    const send = pairBytes(stats.send);
    const recv = pairBytes(stats.recv);
    const mediaSent = rtpPayloadBytes(stats.send, 'outbound-rtp');
    const mediaReceived = rtpPayloadBytes(stats.recv, 'inbound-rtp');
    return {
      sent: send.sent + recv.sent,
      received: send.received + recv.received,
      mediaSent: mediaSent.media,
      mediaSentAudio: mediaSent.audio,
      mediaReceived: mediaReceived.media,
      mediaReceivedAudio: mediaReceived.audio,
      probes: mediaSent.probes + mediaReceived.probes,
    };
  },
  async peerBytesSent() {
    let total = 0;
    for (const c of page.engine?.connections() ?? []) {
      if (c.pc.connectionState === 'closed') continue;
      total += pairBytes(await statsWithin(c.pc).catch(() => null)).sent;
    }
    return total;
  },
  recordings: () => recordingLog,
  recordingArrivals: () => recordingArrivals,
  async sentVideoLayers() {
    const stats = await (page.engine?.sfuTransportStats() ?? Promise.resolve({ send: null, recv: null }));
    if (!stats.send) return [];
    return statsValues(stats.send)
      .filter((s) => s.type === 'outbound-rtp' && s.kind === 'video')
      .map((s) => ({
        rid: typeof s.rid === 'string' ? s.rid : '',
        width: num(s.frameWidth),
        height: num(s.frameHeight),
        framesEncoded: num(s.framesEncoded),
      }));
  },
  consent: (recordingId, granted) => page.engine?.answerRecordingConsent(recordingId, granted),
};
log('ready');
