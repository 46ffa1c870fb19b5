/// <reference lib="dom" />
// The browser side of the network-lab tests and bench: drives @consulta/call-engine with fake media at 320x240@15
// and exposes `window.lab` for page.evaluate. Remote video plays in <video> elements (decoding, and so
// inbound-rtp freeze counts, needs a sink), and every figure the tests assert on comes from getStats here.
import type { Plan } from '@consulta/protocol';
import {
  type BandwidthSample,
  CallEngine,
  combineSamples,
  type PairSummary,
  statsValues,
  summarizeSelectedPair,
} from '../../../../packages/call-engine/src/index.ts';
import { type EngineHarness, EnginePage, mutedVideo } from '../../engine-page.ts';

/** What one receiver gets of one sender, summed over every connection delivering it (p2p, tree or SFU). */
export interface ReceivedMedia {
  framesDecoded: number;
  /** Video inbound-rtp framesPerSecond (the browser's own decoded-fps figure), summed over live streams. */
  framesPerSecond: number;
  freezeCount: number;
  /** Seconds. */
  totalFreezesDuration: number;
  frameHeight: number;
  videoPacketsReceived: number;
  videoPacketsLost: number;
  videoBytesReceived: number;
  audioPacketsReceived: number;
  /** Selected-pair round-trip time of the connection(s) carrying it, seconds (max), or null. */
  rttSeconds: number | null;
  /** 'mesh' | 'recv' | 'sfu' per delivering connection. */
  paths: string[];
  /** The peer each delivering connection goes to (the sender, a relaying parent, or 'sfu'). */
  via: string[];
  /** Frames decoded per delivering peer (`via`): an old path that still trickles is told from the new one. */
  framesVia: Record<string, number>;
}

export interface ConnectionPair {
  role: string;
  remote: string;
  streamId: string;
  state: string;
  localCandidateType: string | null;
  remoteCandidateType: string | null;
  /** The local candidate's transport to the relay when it is a relay candidate ('udp' | 'tcp' | 'tls'). */
  relayProtocol: string | null;
  /** Every local candidate gathered, as "type/protocol[/relayProtocol]". */
  localCandidates: string[];
}

/** One sending connection as its congestion controller sees it. */
export interface SendingView {
  remote: string;
  streamId: string;
  /** Video's qualityLimitationReason ('none' without video). */
  limited: string;
  videoKbpsTarget: number | null;
  availableKbps: number | null;
  rttMs: number | null;
  remoteLossPct: number;
}

export interface LabStartOptions {
  consultationId: string;
  iceTransportPolicy?: RTCIceTransportPolicy;
  audioOnly?: boolean;
  fixedBandwidth?: { uplinkKbps: number; downlinkKbps: number; relayOnly?: boolean };
  /** Bandwidth polling (default: the engine's). */
  bandwidth?: {
    pollIntervalMs?: number;
    minIntervalMs?: number;
    maxIntervalMs?: number;
    changeRatio?: number;
  };
  device?: 'desktop' | 'laptop' | 'tablet' | 'mobile';
  /** Use only the server's ICE URLs that start with this (e.g. 'turns:'), to test one TURN transport alone. */
  onlyIceUrls?: string;
}

export interface LabHarness extends EngineHarness {
  turnCredentials(): Promise<{ iceServers: RTCIceServer[] }>;
  start(options: LabStartOptions): Promise<void>;
  plans(): Array<{ at: number; plan: Plan }>;
  /** Every bandwidth report this client sent, with Date.now(). */
  bandwidthReports(): Array<{ at: number; sample: BandwidthSample }>;
  /** `peer-left` events seen (a resume must not produce one). */
  peerLefts(): Array<{ at: number; peerId: string; reason: string }>;
  /** Per remote sender (participant id). */
  received(): Promise<Record<string, ReceivedMedia>>;
  /** Bytes of video and audio sent so far over every connection (p2p, tree and SFU). */
  sent(): Promise<{ videoBytes: number; audioBytes: number; at: number }>;
  connectionPairs(): Promise<ConnectionPair[]>;
  /** What each connection sending our media shows: the congestion controller's view of the uplink (diagnostics). */
  sending(): Promise<SendingView[]>;
  /**
   * What the engine reported before the link probe existed (the congestion controllers' estimate and the
   * received rate over 2 s, stats.ts combineSamples), for the bench's before/after.
   */
  legacyEstimate(): Promise<BandwidthSample | null>;
  /** The SFU transports' selected pairs (empty off the SFU). */
  sfuPairs(): Promise<ConnectionPair[]>;
  /** ICE restarts the engine made, over its current peer connections. */
  iceRestarts(): number;
}

declare global {
  interface Window {
    lab: LabHarness;
  }
}

const planLog: Array<{ at: number; plan: Plan }> = [];
const reports: Array<{ at: number; sample: BandwidthSample }> = [];
const lefts: Array<{ at: number; peerId: string; reason: string }> = [];
const page = new EnginePage(8);
const log = page.log;
const remotesEl = document.getElementById('remotes')!;
const videos = new Map<string, HTMLVideoElement>();

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

function emptyMedia(): ReceivedMedia {
  return {
    framesDecoded: 0,
    framesPerSecond: 0,
    freezeCount: 0,
    totalFreezesDuration: 0,
    frameHeight: 0,
    videoPacketsReceived: 0,
    videoPacketsLost: 0,
    videoBytesReceived: 0,
    audioPacketsReceived: 0,
    rttSeconds: null,
    paths: [],
    via: [],
    framesVia: {},
  };
}

function addInbound(
  into: ReceivedMedia,
  stats: ReturnType<typeof statsValues>,
  via: string,
  onlyTrack?: string,
): void {
  for (const s of stats) {
    if (s.type !== 'inbound-rtp') continue;
    if (onlyTrack && s.trackIdentifier !== onlyTrack) continue;
    if (s.kind === 'video') {
      into.framesDecoded += num(s.framesDecoded);
      into.framesVia[via] = (into.framesVia[via] ?? 0) + num(s.framesDecoded);
      into.framesPerSecond += num(s.framesPerSecond);
      into.freezeCount += num(s.freezeCount);
      into.totalFreezesDuration += num(s.totalFreezesDuration);
      into.frameHeight = Math.max(into.frameHeight, num(s.frameHeight));
      into.videoPacketsReceived += num(s.packetsReceived);
      into.videoPacketsLost += Math.max(0, num(s.packetsLost));
      into.videoBytesReceived += num(s.bytesReceived);
    } else if (s.kind === 'audio') {
      into.audioPacketsReceived += num(s.packetsReceived);
    }
  }
  for (const s of stats) {
    if (s.type === 'candidate-pair' && s.nominated === true && typeof s.currentRoundTripTime === 'number') {
      into.rttSeconds = Math.max(into.rttSeconds ?? 0, s.currentRoundTripTime);
    }
  }
}

function describePair(
  stats: ReturnType<typeof statsValues>,
  base: Pick<ConnectionPair, 'role' | 'remote' | 'streamId' | 'state'>,
): ConnectionPair {
  const pair = summarizeSelectedPair(stats);
  const transport = stats.find(
    (s) => s.type === 'transport' && typeof s.selectedCandidatePairId === 'string',
  );
  const selected = stats.find((s) => s.id === transport?.selectedCandidatePairId);
  const local = stats.find((s) => s.id === selected?.localCandidateId);
  return {
    ...base,
    localCandidateType: pair?.localCandidateType ?? null,
    remoteCandidateType: pair?.remoteCandidateType ?? null,
    relayProtocol: typeof local?.relayProtocol === 'string' ? local.relayProtocol : null,
    localCandidates: stats
      .filter((s) => s.type === 'local-candidate')
      .map((s) => [s.candidateType, s.protocol, s.relayProtocol].filter(Boolean).join('/')),
  };
}

window.lab = {
  ...page.harness(),
  iceRestarts: () => (page.engine?.connections() ?? []).reduce((n, c) => n + c.iceRestarts, 0),

  async turnCredentials() {
    const res = await fetch('/api/turn/credentials', { credentials: 'same-origin' });
    return (await res.json()) as { iceServers: RTCIceServer[] };
  },

  async start(o) {
    const local = await navigator.mediaDevices.getUserMedia({
      audio: true,
      video: o.audioOnly ? false : { width: 320, height: 240, frameRate: 15 },
    });
    (document.getElementById('local') as HTMLVideoElement).srcObject = local;
    let iceServers: RTCIceServer[] | null = null;
    if (o.onlyIceUrls) {
      const wanted = o.onlyIceUrls;
      iceServers = (await window.lab.turnCredentials()).iceServers
        .map((s) => ({ ...s, urls: [s.urls].flat().filter((u) => u.startsWith(wanted)) }))
        .filter((s) => s.urls.length > 0);
      log(`ice servers: ${iceServers.flatMap((s) => s.urls).join(' ')}`);
    }
    const engine = page.use(
      new CallEngine({
        consultationId: o.consultationId,
        iceTransportPolicy: o.iceTransportPolicy ?? 'all',
        localStream: local,
        device: o.device ?? 'desktop',
        ...(o.fixedBandwidth ? { fixedBandwidth: o.fixedBandwidth } : {}),
        ...(o.bandwidth ? { bandwidth: o.bandwidth } : {}),
        ...(iceServers ? { iceServers, skipTurnCredentials: true } : {}),
      }),
    );
    engine.on('joined', (j) => log(`joined${j.resumed ? ' (resumed)' : ''}`));
    engine.on('plan', (p) => {
      planLog.push({ at: Date.now(), plan: p });
      log(`plan v${p.version} ${p.topology} ${p.quality} ${p.reasons.map((r) => r.code).join(',')}`);
    });
    engine.on('peer-left', (e) => lefts.push({ at: Date.now(), peerId: e.peerId, reason: e.reason }));
    engine.on('track', (e) => {
      let video = videos.get(e.streamId);
      if (!video) {
        video = mutedVideo();
        remotesEl.append(video);
        videos.set(e.streamId, video);
      }
      if (video.srcObject !== e.stream) video.srcObject = e.stream;
    });
    engine.on('bandwidth', (b) => {
      reports.push({ at: Date.now(), sample: b });
      log(`bandwidth up ${b.uplinkKbps} down ${b.downlinkKbps} relay ${b.relayOnly}`);
    });
    await engine.start();
  },

  plans: () => planLog,
  bandwidthReports: () => reports,
  peerLefts: () => lefts,

  async received() {
    const out: Record<string, ReceivedMedia> = {};
    const engine = page.engine;
    if (!engine) return out;
    const entry = (sender: string) => {
      out[sender] ??= emptyMedia();
      return out[sender];
    };
    await Promise.all([
      ...engine.connections().map(async (c) => {
        if (c.role === 'send' || c.pc.connectionState === 'closed') return;
        const sender = c.role === 'mesh' ? c.remote : c.streamId;
        try {
          const stats = statsValues(await c.pc.getStats());
          const e = entry(sender);
          e.paths.push(c.role);
          e.via.push(c.remote);
          addInbound(e, stats, c.remote);
        } catch {
          // closed meanwhile
        }
      }),
      ...engine.sfuReceivers().map(async (r) => {
        try {
          const stats = statsValues(await r.getStats());
          const e = entry(r.peerId);
          if (!e.paths.includes('sfu')) {
            e.paths.push('sfu');
            e.via.push('sfu');
          }
          addInbound(e, stats, 'sfu', r.track.id);
        } catch {
          // closed meanwhile
        }
      }),
    ]);
    return out;
  },

  async sent() {
    let videoBytes = 0;
    let audioBytes = 0;
    const add = (report: RTCStatsReport | null) => {
      if (!report) return;
      for (const s of statsValues(report)) {
        if (s.type !== 'outbound-rtp') continue;
        if (s.kind === 'video') videoBytes += num(s.bytesSent);
        else audioBytes += num(s.bytesSent);
      }
    };
    if (page.engine) {
      for (const c of page.engine.connections()) {
        if (c.role === 'recv' || c.pc.connectionState === 'closed') continue;
        add(await c.pc.getStats().catch(() => null));
      }
      add((await page.engine.sfuTransportStats()).send);
    }
    return { videoBytes, audioBytes, at: Date.now() };
  },

  async connectionPairs() {
    if (!page.engine) return [];
    return Promise.all(
      page.engine.connections().map(async (c) => {
        const stats = statsValues(await c.pc.getStats().catch(() => new Map() as unknown as RTCStatsReport));
        const base = { role: c.role, remote: c.remote, streamId: c.streamId, state: c.pc.connectionState };
        return describePair(stats, base);
      }),
    );
  },

  async sending() {
    if (!page.engine) return [];
    const out: SendingView[] = [];
    for (const c of page.engine.connections()) {
      if (c.pc.connectionState === 'closed') continue;
      const stats = statsValues(await c.pc.getStats().catch(() => new Map() as unknown as RTCStatsReport));
      const view: SendingView = {
        remote: c.remote,
        streamId: c.streamId,
        limited: 'none',
        videoKbpsTarget: null,
        availableKbps: null,
        rttMs: null,
        remoteLossPct: 0,
      };
      let sends = false;
      for (const s of stats) {
        if (s.type === 'outbound-rtp') {
          sends = true;
          if (s.kind === 'video') {
            view.limited = String(s.qualityLimitationReason ?? 'none');
            if (typeof s.targetBitrate === 'number')
              view.videoKbpsTarget = Math.round(s.targetBitrate / 1000);
          }
        } else if (s.type === 'remote-inbound-rtp' && typeof s.fractionLost === 'number') {
          view.remoteLossPct = Math.max(view.remoteLossPct, Math.round(s.fractionLost * 100));
        }
      }
      if (!sends) continue;
      const pair = summarizeSelectedPair(stats);
      if (pair?.availableOutgoingBitrate !== undefined)
        view.availableKbps = Math.round(pair.availableOutgoingBitrate / 1000);
      if (pair?.currentRoundTripTime !== undefined) view.rttMs = Math.round(pair.currentRoundTripTime * 1000);
      out.push(view);
    }
    return out;
  },

  async legacyEstimate() {
    if (!page.engine) return null;
    const sample = async () => {
      const out = new Map<string, PairSummary>();
      for (const [i, c] of page.engine!.connections().entries()) {
        if (c.state !== 'connected') continue;
        const pair = summarizeSelectedPair(
          statsValues(await c.pc.getStats().catch(() => new Map() as unknown as RTCStatsReport)),
        );
        if (pair) out.set(`${i}|${c.streamId}|${c.role}|${c.remote}`, pair);
      }
      return out;
    };
    const before = await sample();
    await new Promise((r) => setTimeout(r, 2000));
    return combineSamples(await sample(), before, false);
  },

  async sfuPairs() {
    if (!page.engine) return [];
    const { send, recv } = await page.engine.sfuTransportStats();
    const out: ConnectionPair[] = [];
    for (const [role, report] of [
      ['sfu-send', send],
      ['sfu-recv', recv],
    ] as const) {
      if (report)
        out.push(describePair(statsValues(report), { role, remote: 'sfu', streamId: 'sfu', state: '' }));
    }
    return out;
  },
};
log('ready');
