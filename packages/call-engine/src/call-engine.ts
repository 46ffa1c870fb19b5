// The browser call engine: owns the signaling connection, the local media and every peer connection, and
// turns the server's plans into connections. UI code listens to typed events and calls the public methods.
import type {
  DeviceClass,
  ErrorCode,
  Peer,
  Plan,
  Recording,
  ServerMessage,
  SignalData,
  TurnCredentials,
} from '@consulta/protocol';
import { Emitter } from './emitter.ts';
import {
  desiredLinks,
  diffLinks,
  isNewerPlan,
  isPolite,
  type LinkSpec,
  linkForSignal,
  linkKey,
} from './links.ts';
import { type MediaKind, PeerLink } from './peer-link.ts';
import { SignalingConnection, type SignalingState } from './signaling.ts';
import {
  type BandwidthSample,
  combineSamples,
  defaultThrottle,
  type PairSummary,
  type ReportThrottle,
  shouldReport,
  statsValues,
  summarizeSelectedPair,
} from './stats.ts';

export type EngineState =
  | 'idle'
  | 'connecting'
  | 'waiting'
  | 'joined'
  | 'reconnecting'
  | 'denied'
  | 'ended'
  | 'closed';

/** Errors the engine itself raises, next to the server's {@link ErrorCode}s. */
export type EngineErrorCode =
  | 'TURN_CREDENTIALS_FAILED'
  | 'NEGOTIATION_FAILED'
  | 'ICE_FAILED'
  | 'SIGNALING_CLOSED'
  | 'INVALID_SERVER_MESSAGE';

export interface EngineError {
  code: EngineErrorCode | ErrorCode;
  message: string;
  /** The peer connection concerned, when there is one. */
  peerId?: string;
  streamId?: string;
  /** Server errors: `type` of the message the server refused. */
  ref?: string;
}

export interface RemoteTrackEvent {
  /** The peer the media arrives from (the sender itself, or in a tree the parent relaying it). */
  peerId: string;
  /** Whose media it is: the sending participant's id. */
  streamId: string;
  track: MediaStreamTrack;
  /** One stable MediaStream per sender; tracks are swapped in when the media arrives through a new parent. */
  stream: MediaStream;
}

export interface ConnectionStateEvent {
  peerId: string;
  streamId: string;
  role: LinkSpec['role'];
  state: RTCPeerConnectionState;
}

export interface CallEngineEvents {
  state: (state: EngineState) => void;
  joined: (info: { self: Peer; peers: Peer[]; resumed: boolean }) => void;
  /** Staff: the waiting room changed. */
  lobby: (waiting: Peer[]) => void;
  'peer-joined': (peer: Peer) => void;
  'peer-updated': (peer: Peer) => void;
  'peer-left': (info: { peerId: string; reason: 'left' | 'timeout' | 'removed' }) => void;
  track: (event: RemoteTrackEvent) => void;
  /** No connection delivers this sender's media any more. */
  'stream-removed': (info: { streamId: string }) => void;
  plan: (plan: Plan) => void;
  'connection-state': (event: ConnectionStateEvent) => void;
  /** A bandwidth measurement was sent to the server. */
  bandwidth: (sample: BandwidthSample) => void;
  chat: (message: { from: string; text: string; at: string }) => void;
  /** A recording of this consultation changed state; answer consent requests with `answerRecordingConsent`. */
  recording: (recording: Recording) => void;
  /** The loudest participant (SFU topology only; null when nobody speaks). */
  'active-speaker': (peerId: string | null) => void;
  error: (error: EngineError) => void;
}

export interface CallEngineOptions {
  consultationId: string;
  /** http(s) origin of the Consulta server; default `location.origin`. */
  serverUrl?: string;
  /** Signaling URL; default serverUrl with ws(s):// and `/ws`. */
  signalingUrl?: string;
  /** 'relay' forces every connection through TURN (diagnostics, restrictive networks). */
  iceTransportPolicy?: RTCIceTransportPolicy;
  /** Extra ICE servers used in addition to (or, without a server, instead of) the server's. */
  iceServers?: RTCIceServer[];
  /** Skip GET /api/turn/credentials (use only `iceServers`). */
  skipTurnCredentials?: boolean;
  localStream?: MediaStream | null;
  device?: DeviceClass;
  /** Stats polling for bandwidth reports; false disables reporting. */
  bandwidth?: false | ({ pollIntervalMs?: number } & Partial<ReportThrottle>);
  /**
   * Report these figures (on every join) instead of measuring: for tests and for clients that know their link
   * (e.g. from a speed test). Stats polling for reports is off while set.
   */
  fixedBandwidth?: { uplinkKbps: number; downlinkKbps: number; relayOnly?: boolean };
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number };
  pingIntervalMs?: number;
  /** Make before break: how long to wait for new connections before closing replaced ones (default 8000). */
  makeBeforeBreakTimeoutMs?: number;
  /** Delay between a membership change and connecting, for the plan that may follow (default 50 ms). */
  membershipSettleMs?: number;
  WebSocket?: typeof WebSocket;
  fetch?: typeof fetch;
  RTCPeerConnection?: typeof RTCPeerConnection;
}

const KBPS_MAX = 10_000_000;

export class CallEngine extends Emitter<CallEngineEvents> {
  private readonly signaling: SignalingConnection;
  private readonly serverUrl: string;
  private _state: EngineState = 'idle';
  private selfPeer: Peer | null = null;
  private readonly peers = new Map<string, Peer>();
  private plan: Plan | null = null;
  private readonly links = new Map<string, PeerLink>();
  /** Links replaced by a plan change, closed once their replacements are up. */
  private readonly retiring = new Set<string>();
  private readonly remoteStreams = new Map<string, MediaStream>();
  private localStream: MediaStream | null;
  private iceServers: RTCIceServer[] = [];
  private turnRefreshTimer: ReturnType<typeof setTimeout> | null = null;
  private statsTimer: ReturnType<typeof setInterval> | null = null;
  private lastPairs = new Map<string, PairSummary>();
  private lastReport: { sample: BandwidthSample; at: number } | null = null;
  private reconcileTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly options: CallEngineOptions) {
    super();
    this.serverUrl = (options.serverUrl ?? globalThis.location?.origin ?? '').replace(/\/$/, '');
    const signalingUrl = options.signalingUrl ?? `${this.serverUrl.replace(/^http/, 'ws')}/ws`;
    this.localStream = options.localStream ?? null;
    this.signaling = new SignalingConnection({
      url: signalingUrl,
      consultationId: options.consultationId,
      ...(options.reconnect ? { reconnect: options.reconnect } : {}),
      ...(options.pingIntervalMs !== undefined ? { pingIntervalMs: options.pingIntervalMs } : {}),
      ...(options.WebSocket ? { WebSocket: options.WebSocket } : {}),
    });
    this.signaling.on('message', (m) => this.handleServerMessage(m));
    this.signaling.on('state', (s) => this.handleSignalingState(s));
    this.signaling.on('close', (info) => {
      if (info.final && this._state !== 'ended' && this._state !== 'denied' && this._state !== 'closed') {
        this.emit('error', {
          code: 'SIGNALING_CLOSED',
          message: `signaling closed (${info.code}${info.reason ? `: ${info.reason}` : ''})`,
        });
        this.shutdown('closed');
      }
    });
    this.signaling.on('invalid', ({ message }) =>
      this.emit('error', { code: 'INVALID_SERVER_MESSAGE', message }),
    );
  }

  // ---- public API ------------------------------------------------------------------------------------------

  get state(): EngineState {
    return this._state;
  }
  get self(): Peer | null {
    return this.selfPeer;
  }
  get currentPlan(): Plan | null {
    return this.plan;
  }
  get remotePeers(): Peer[] {
    return [...this.peers.values()];
  }
  get resumeToken(): string | null {
    return this.signaling.resumeToken;
  }

  /** Fetches ICE servers, opens the signaling socket and joins (or waits to be admitted). */
  async start(): Promise<void> {
    if (this._state !== 'idle') throw new Error(`cannot start in state ${this._state}`);
    this.setState('connecting');
    await this.refreshIceServers();
    if ((this._state as EngineState) !== 'connecting') return; // closed meanwhile
    this.signaling.open();
    this.startStatsPolling();
  }

  /** Sets (or replaces) the local media sent to others. Tracks are swapped in place where possible. */
  setLocalStream(stream: MediaStream | null): void {
    this.localStream = stream;
    for (const link of this.links.values()) this.feedLink(link);
  }

  get local(): MediaStream | null {
    return this.localStream;
  }

  /** Staff: let a waiting guest in. */
  admit(participantId: string): void {
    this.signaling.send({ type: 'admit', participantId });
  }
  deny(participantId: string): void {
    this.signaling.send({ type: 'deny', participantId });
  }
  sendChat(text: string): void {
    this.signaling.send({ type: 'chat', text });
  }
  /** This participant's answer to a recording's consent request. */
  answerRecordingConsent(recordingId: string, granted: boolean): void {
    this.signaling.send({ type: 'recording-consent', recordingId, granted });
  }

  /** Leaves cleanly (others see it at once) and releases everything. Local tracks are left to the caller. */
  leave(): void {
    this.signaling.send({ type: 'leave' });
    this.shutdown('closed');
  }

  /** Releases everything without a `leave` (the server keeps the place for the grace period). */
  close(): void {
    this.shutdown('closed');
  }

  /** Simulates a network drop of the signaling socket (the engine reconnects and resumes). */
  dropSignaling(): void {
    this.signaling.drop();
  }

  /** The peer connection for (peer, stream); for p2p, the one with that peer. For stats and diagnostics. */
  getPeerConnection(peerId: string, streamId?: string): RTCPeerConnection | null {
    for (const link of this.links.values()) {
      if (link.spec.remote !== peerId || link.isClosed) continue;
      if (streamId === undefined || link.spec.streamId === streamId || link.spec.role === 'mesh')
        return link.pc;
    }
    return null;
  }

  /** Every live connection, for diagnostics. */
  connections(): Array<
    LinkSpec & { state: RTCPeerConnectionState; pc: RTCPeerConnection; retiring: boolean }
  > {
    return [...this.links].map(([key, l]) => ({
      ...l.spec,
      state: l.state,
      pc: l.pc,
      retiring: this.retiring.has(key),
    }));
  }

  // ---- inputs (the handle* methods) ----------------------------------------------------------------------

  /** Input from the signaling socket. */
  handleServerMessage(m: ServerMessage): void {
    switch (m.type) {
      case 'joined':
        this.handleJoined(m);
        break;
      case 'waiting':
        this.setState('waiting');
        break;
      case 'denied':
        this.shutdown('denied');
        break;
      case 'consultation-ended':
        this.shutdown('ended');
        break;
      case 'lobby':
        this.emit('lobby', m.waiting);
        break;
      case 'peer-joined':
        this.peers.set(m.peer.id, m.peer);
        this.emit('peer-joined', m.peer);
        this.reconcileSoon();
        break;
      case 'peer-updated':
        if (m.peer.id === this.selfPeer?.id) this.selfPeer = m.peer;
        else this.peers.set(m.peer.id, m.peer);
        this.emit('peer-updated', m.peer);
        break;
      case 'peer-left':
        this.handlePeerLeft(m.peerId);
        this.emit('peer-left', { peerId: m.peerId, reason: m.reason });
        break;
      case 'plan':
        this.handlePlan(m.plan);
        break;
      case 'signal':
        this.handleSignal(m.from, m.streamId, m.data);
        break;
      case 'chat':
        this.emit('chat', { from: m.from, text: m.text, at: m.at });
        break;
      case 'error':
        this.emit('error', { code: m.code, message: m.message, ...(m.ref ? { ref: m.ref } : {}) });
        break;
      case 'recording':
        this.emit('recording', m.recording);
        break;
      case 'active-speaker':
        this.emit('active-speaker', m.peerId);
        break;
      case 'pong':
        break;
    }
  }

  private handleJoined(m: Extract<ServerMessage, { type: 'joined' }>): void {
    const fresh = !m.resumed;
    if (fresh) {
      // A fresh join (first, or after our place expired): rebuild from what the server says now.
      this.closeAllLinks();
      this.plan = null;
    }
    this.selfPeer = m.self;
    this.peers.clear();
    for (const p of m.peers) this.peers.set(p.id, p);
    for (const key of [...this.links.keys()]) {
      const link = this.links.get(key)!;
      if (!this.peers.has(link.spec.remote)) this.closeLink(key);
    }
    this.setState('joined');
    this.emit('joined', { self: m.self, peers: m.peers, resumed: m.resumed });
    if (m.lobby.length > 0) this.emit('lobby', m.lobby);
    if (isNewerPlan(this.plan, m.plan) || fresh) {
      this.plan = m.plan;
      this.emit('plan', m.plan);
    }
    this.reportFixedBandwidth();
    this.reconcileSoon();
    if (m.resumed) {
      // Signals sent while we were away may be lost: restart ICE on connections that are not up.
      for (const link of this.links.values()) {
        if (link.state !== 'connected' && link.state !== 'new' && !link.polite) link.restartIce();
      }
    }
  }

  /** Input: a new plan from the server. */
  handlePlan(plan: Plan): void {
    if (!isNewerPlan(this.plan, plan)) return;
    this.plan = plan;
    this.emit('plan', plan);
    this.reconcile();
  }

  /** Input: a `signal` from a peer. Creates the connection if this is its first message. */
  handleSignal(from: string, streamId: string, data: SignalData): void {
    const self = this.selfPeer?.id;
    if (!self || from === self || !this.peers.has(from)) return;
    const spec = linkForSignal(self, from, streamId, new Set(this.links.keys()));
    const key = linkKey(spec);
    let link = this.links.get(key);
    if (!link) {
      // Only an offer opens a connection; stray candidates or answers for a closed one are dropped.
      if (data.kind !== 'description' || data.description.type !== 'offer') return;
      link = this.createLink(spec);
    }
    void link.handleSignal(data);
  }

  private handlePeerLeft(peerId: string): void {
    this.peers.delete(peerId);
    for (const [key, link] of [...this.links]) if (link.spec.remote === peerId) this.closeLink(key);
  }

  private handleSignalingState(s: SignalingState): void {
    if (s === 'reconnecting' && (this._state === 'joined' || this._state === 'waiting')) {
      this.setState('reconnecting');
    }
  }

  // ---- plan -> connections ---------------------------------------------------------------------------------

  /**
   * Membership changes are followed by a new plan when the topology changes (the server sends `peer-joined`,
   * then the plan); waiting a moment avoids connecting for a plan that is about to be replaced. An unchanged
   * plan (e.g. p2p staying p2p when the second person arrives) is not resent, hence the reconcile anyway.
   */
  private reconcileSoon(): void {
    if (this.reconcileTimer) return;
    this.reconcileTimer = setTimeout(() => {
      this.reconcileTimer = null;
      this.reconcile();
    }, this.options.membershipSettleMs ?? 50);
  }

  private reconcile(): void {
    if (this.reconcileTimer) clearTimeout(this.reconcileTimer);
    this.reconcileTimer = null;
    const self = this.selfPeer?.id;
    if (!self || !this.plan || this._state !== 'joined') return;
    const desired = desiredLinks(this.plan, self, this.peers.keys());
    const diff = diffLinks(this.links.keys(), desired);
    for (const key of diff.keep) this.retiring.delete(key);
    const created = diff.connect.map((spec) => this.createLink(spec));
    const toRetire = diff.disconnect.filter((k) => !this.retiring.has(k));
    if (toRetire.length === 0) return;
    for (const key of toRetire) this.retiring.add(key);
    // Make before break: close the replaced connections once the new ones carry media (or time is up).
    void this.whenConnected(created, this.options.makeBeforeBreakTimeoutMs ?? 8000).then(() => {
      for (const key of toRetire) {
        if (this.retiring.delete(key)) this.closeLink(key);
      }
    });
  }

  private whenConnected(links: PeerLink[], timeoutMs: number): Promise<void> {
    const pending = links.filter((l) => l.state !== 'connected' && !l.isClosed);
    if (pending.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(finish, timeoutMs);
      const check = () => {
        if (pending.every((l) => l.isClosed || l.state === 'connected' || l.state === 'failed')) finish();
      };
      const offs = pending.map((l) => {
        const handler = () => check();
        l.pc.addEventListener('connectionstatechange', handler);
        return () => l.pc.removeEventListener('connectionstatechange', handler);
      });
      function finish() {
        clearTimeout(timer);
        for (const off of offs) off();
        resolve();
      }
    });
  }

  private rtcConfig(): RTCConfiguration {
    return {
      iceServers: [...this.iceServers, ...(this.options.iceServers ?? [])],
      iceTransportPolicy: this.options.iceTransportPolicy ?? 'all',
      bundlePolicy: 'max-bundle',
    };
  }

  private createLink(spec: LinkSpec): PeerLink {
    const self = this.selfPeer!.id;
    const key = linkKey(spec);
    const existing = this.links.get(key);
    if (existing) return existing;
    const senderOf = (s: LinkSpec) => (s.role === 'mesh' || s.role === 'recv' ? s.remote : s.streamId);
    const link: PeerLink = new PeerLink({
      spec,
      polite: isPolite(self, spec.remote),
      // Mesh: only the impolite side makes the first offer (see PeerLinkOptions.deferInitialOffer).
      deferInitialOffer: spec.role === 'mesh' && isPolite(self, spec.remote),
      rtcConfig: this.rtcConfig(),
      ...(this.options.RTCPeerConnection ? { RTCPeerConnection: this.options.RTCPeerConnection } : {}),
      callbacks: {
        signal: (data) => {
          this.signaling.send({ type: 'signal', to: spec.remote, streamId: spec.streamId, data });
        },
        track: (track) => {
          if (spec.role === 'send') return;
          this.onRemoteTrack(link, senderOf(spec), track);
        },
        state: (state) => {
          this.emit('connection-state', {
            peerId: spec.remote,
            streamId: senderOf(spec),
            role: spec.role,
            state,
          });
        },
        error: (code, message) =>
          this.emit('error', { code, message, peerId: spec.remote, streamId: senderOf(spec) }),
      },
    });
    this.links.set(key, link);
    this.feedLink(link);
    return link;
  }

  /** Puts the right outgoing tracks on a connection: local media, or the relayed stream for tree links. */
  private feedLink(link: PeerLink): void {
    const { role, streamId } = link.spec;
    if (role === 'mesh') {
      if (this.localStream) link.setMeshTracks(this.localStream.getTracks(), this.localStream);
    } else if (role === 'send') {
      link.setSendTracks(this.tracksFor(streamId));
    }
  }

  /** Outgoing tracks for stream S: ours if S is us, else what we currently receive for S. */
  private tracksFor(streamId: string): Partial<Record<MediaKind, MediaStreamTrack | null>> {
    if (streamId === this.selfPeer?.id) {
      return {
        audio: this.localStream?.getAudioTracks()[0] ?? null,
        video: this.localStream?.getVideoTracks()[0] ?? null,
      };
    }
    const stream = this.remoteStreams.get(streamId);
    return {
      audio: stream?.getAudioTracks()[0] ?? null,
      video: stream?.getVideoTracks()[0] ?? null,
    };
  }

  private onRemoteTrack(link: PeerLink, sender: string, track: MediaStreamTrack): void {
    let stream = this.remoteStreams.get(sender);
    if (!stream) {
      stream = new MediaStream();
      this.remoteStreams.set(sender, stream);
    }
    for (const old of stream.getTracks())
      if (old.kind === track.kind && old !== track) stream.removeTrack(old);
    if (!stream.getTracks().includes(track)) stream.addTrack(track);
    this.emit('track', { peerId: link.spec.remote, streamId: sender, track, stream });
    this.refreshForwarding(sender);
  }

  /** After the source of stream S changed, swap the tracks on every connection that relays S. */
  private refreshForwarding(streamId: string): void {
    for (const link of this.links.values()) {
      if (link.spec.role === 'send' && link.spec.streamId === streamId) this.feedLink(link);
    }
  }

  private closeLink(key: string): void {
    const link = this.links.get(key);
    if (!link) return;
    this.links.delete(key);
    this.retiring.delete(key);
    link.close();
    this.emit('connection-state', {
      peerId: link.spec.remote,
      streamId:
        link.spec.role === 'send'
          ? link.spec.streamId
          : link.spec.role === 'recv'
            ? link.spec.streamId
            : link.spec.remote,
      role: link.spec.role,
      state: 'closed',
    });
    if (link.spec.role === 'send') return;
    const sender = link.spec.role === 'mesh' ? link.spec.remote : link.spec.streamId;
    // Another connection may still deliver this sender (make before break): move the stream onto it.
    const other = [...this.links.values()].find(
      (l) =>
        !l.isClosed &&
        (l.spec.role === 'mesh' ? l.spec.remote : l.spec.role === 'recv' ? l.spec.streamId : null) === sender,
    );
    if (other && other.remoteTracks.size > 0) {
      for (const track of other.remoteTracks.values()) this.onRemoteTrack(other, sender, track);
      return;
    }
    const stream = this.remoteStreams.get(sender);
    if (stream) {
      for (const t of link.remoteTracks.values()) stream.removeTrack(t);
      if (stream.getTracks().length === 0) {
        this.remoteStreams.delete(sender);
        this.emit('stream-removed', { streamId: sender });
      }
    }
    this.refreshForwarding(sender);
  }

  private closeAllLinks(): void {
    for (const key of [...this.links.keys()]) this.closeLink(key);
  }

  // ---- ICE servers -------------------------------------------------------------------------------------------

  private async refreshIceServers(): Promise<void> {
    if (this.options.skipTurnCredentials) return;
    const doFetch = this.options.fetch ?? globalThis.fetch.bind(globalThis);
    try {
      const res = await doFetch(`${this.serverUrl}/api/turn/credentials`, { credentials: 'include' });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const body = (await res.json()) as TurnCredentials;
      this.iceServers = body.iceServers.map((s) => ({
        urls: s.urls,
        ...(s.username ? { username: s.username } : {}),
        ...(s.credential ? { credential: s.credential } : {}),
      }));
      for (const link of this.links.values()) link.updateConfiguration(this.rtcConfig());
      // Renew well before expiry so an ICE restart late in a long call still has valid credentials.
      const renewInMs = Math.max(30_000, body.ttlSeconds * 1000 * 0.8);
      if (this.turnRefreshTimer) clearTimeout(this.turnRefreshTimer);
      this.turnRefreshTimer = setTimeout(() => void this.refreshIceServers(), renewInMs);
    } catch (err) {
      this.emit('error', {
        code: 'TURN_CREDENTIALS_FAILED',
        message: `could not get ICE servers: ${String(err)}`,
      });
      if (this.turnRefreshTimer) clearTimeout(this.turnRefreshTimer);
      if (this._state !== 'closed' && this._state !== 'ended' && this._state !== 'denied') {
        this.turnRefreshTimer = setTimeout(() => void this.refreshIceServers(), 30_000);
      }
    }
  }

  // ---- bandwidth ---------------------------------------------------------------------------------------------

  private reportFixedBandwidth(): void {
    const fixed = this.options.fixedBandwidth;
    if (!fixed) return;
    const sample: BandwidthSample = {
      uplinkKbps: Math.min(KBPS_MAX, Math.max(0, Math.round(fixed.uplinkKbps))),
      downlinkKbps: Math.min(KBPS_MAX, Math.max(0, Math.round(fixed.downlinkKbps))),
      relayOnly: fixed.relayOnly ?? this.options.iceTransportPolicy === 'relay',
    };
    const sent = this.signaling.send({
      type: 'bandwidth',
      ...sample,
      ...(this.options.device ? { device: this.options.device } : {}),
    });
    if (!sent) return;
    this.lastReport = { sample, at: Date.now() };
    this.emit('bandwidth', sample);
  }

  private startStatsPolling(): void {
    const opts = this.options.bandwidth;
    if (opts === false || this.options.fixedBandwidth) return;
    const every = opts?.pollIntervalMs ?? 2000;
    const throttle: ReportThrottle = {
      minIntervalMs: opts?.minIntervalMs ?? defaultThrottle.minIntervalMs,
      maxIntervalMs: opts?.maxIntervalMs ?? defaultThrottle.maxIntervalMs,
      changeRatio: opts?.changeRatio ?? defaultThrottle.changeRatio,
    };
    let busy = false;
    this.statsTimer = setInterval(() => {
      if (busy || this._state !== 'joined') return;
      busy = true;
      void this.measure(throttle).finally(() => {
        busy = false;
      });
    }, every);
  }

  private async measure(throttle: ReportThrottle): Promise<void> {
    const current = new Map<string, PairSummary>();
    await Promise.all(
      [...this.links].map(async ([key, link]) => {
        if (link.state !== 'connected') return;
        try {
          const report = await link.pc.getStats();
          const pair = summarizeSelectedPair(statsValues(report));
          if (pair) current.set(key, pair);
        } catch {
          // closed meanwhile
        }
      }),
    );
    const sample = combineSamples(current, this.lastPairs, this.options.iceTransportPolicy === 'relay');
    this.lastPairs = current;
    if (!sample) return;
    sample.uplinkKbps = Math.min(KBPS_MAX, sample.uplinkKbps);
    sample.downlinkKbps = Math.min(KBPS_MAX, sample.downlinkKbps);
    const now = Date.now();
    if (!shouldReport(this.lastReport, sample, now, throttle)) return;
    const sent = this.signaling.send({
      type: 'bandwidth',
      uplinkKbps: sample.uplinkKbps,
      downlinkKbps: sample.downlinkKbps,
      relayOnly: sample.relayOnly,
      ...(this.options.device ? { device: this.options.device } : {}),
    });
    if (!sent) return;
    this.lastReport = { sample, at: now };
    this.emit('bandwidth', sample);
  }

  // ---- lifecycle ---------------------------------------------------------------------------------------------

  private setState(state: EngineState): void {
    if (this._state === state) return;
    this._state = state;
    this.emit('state', state);
  }

  private shutdown(state: 'closed' | 'denied' | 'ended'): void {
    if (this._state === 'closed' || this._state === 'ended' || this._state === 'denied') return;
    if (this.statsTimer) clearInterval(this.statsTimer);
    if (this.turnRefreshTimer) clearTimeout(this.turnRefreshTimer);
    if (this.reconcileTimer) clearTimeout(this.reconcileTimer);
    this.reconcileTimer = null;
    this.statsTimer = null;
    this.turnRefreshTimer = null;
    this.closeAllLinks();
    this.signaling.close();
    this.setState(state);
  }
}
