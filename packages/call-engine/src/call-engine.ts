// The browser call engine: owns the signaling connection, the local media, every peer connection and the SFU
// path, and turns the server's plans into connections. UI code listens to typed events and calls the public
// methods. Types live in engine-types.ts; bandwidth reports in bandwidth-reporter.ts; the SFU in sfu-path.ts.
import {
  type MediaState,
  type Peer,
  type Plan,
  type ServerMessage,
  SIGNALING_PATH,
  type SignalData,
} from '@consulta/protocol';
import { BandwidthReporter } from './bandwidth-reporter.ts';
import { ChatOutbox } from './chat-outbox.ts';
import { Emitter } from './emitter.ts';
import type { CallEngineEvents, CallEngineOptions, EngineState } from './engine-types.ts';
import { firstFrameDecoded } from './first-frame.ts';
import { IceServerSource } from './ice-servers.ts';
import { LatencyReporter } from './latency-reporter.ts';
import { probeLink } from './link-probe.ts';
import {
  desiredLinks,
  diffLinks,
  handedOverByLeaver,
  isNewerPlan,
  isPlanned,
  isPolite,
  type LinkSpec,
  linkForSignal,
  linkKey,
  outlivesLeave,
  takesJoinedPlan,
} from './links.ts';
import { streamsFedBy, whenConnected, whenSfuDelivers, whenTrue } from './make-before-break.ts';
import {
  carriedBytes,
  type EngineConnections,
  latencySources,
  measurableConnections,
  reportableConnections,
} from './measured-connections.ts';
import { PathReporter } from './path-reporter.ts';
import { type MediaKind, type MediaSlot, PeerLink } from './peer-link.ts';
import { chooseScreen, type ScreenCandidate, screenCounts } from './remote-screen.ts';
import { RemoteStreams } from './remote-streams.ts';
import { applyVideoLimit, videoLimitOf } from './send-quality.ts';
import { SfuPath } from './sfu-path.ts';
import type { SfuReceiver, TilePreference } from './sfu-session.ts';
import { SignalingSocket, type SignalingState } from './signaling.ts';

/** How long a link opened by an offer no plan wants is given for the plan that wants it to arrive. */
const UNPLANNED_LINK_GRACE_MS = 1500;

export type {
  CallEngineEvents,
  CallEngineOptions,
  ConnectionStateEvent,
  EngineError,
  EngineErrorCode,
  EngineState,
  NegotiationEvent,
  RemoteTrackEvent,
} from './engine-types.ts';

export class CallEngine extends Emitter<CallEngineEvents> {
  private readonly signaling: SignalingSocket;
  private readonly serverUrl: string;
  private _state: EngineState = 'idle';
  private selfPeer: Peer | null = null;
  private readonly peers = new Map<string, Peer>();
  private plan: Plan | null = null;
  private readonly links = new Map<string, PeerLink>();
  /** Links replaced by a plan change, closed once their replacements are up. */
  private readonly retiring = new Set<string>();
  /** Links with a relay that left, kept for the handover (links.ts outlivesLeave), closed when it ends. */
  private readonly handingOver = new Set<string>();
  private readonly remoteStreams = new RemoteStreams();
  /** Remote senders' shared screens, one stable stream each (like remoteStreams). */
  private readonly remoteScreens = new RemoteStreams();
  private localStream: MediaStream | null;
  /** The screen we share (docs/screen-share.md), in a stream of its own (how mesh peers tell it apart). */
  private screen: { track: MediaStreamTrack; stream: MediaStream } | null = null;
  private readonly ice: IceServerSource;
  private readonly bandwidth: BandwidthReporter;
  private readonly latency: LatencyReporter;
  private readonly paths: PathReporter;
  private readonly sfu: SfuPath;
  private readonly chat: ChatOutbox;
  private readonly tilePreferences = new Map<string, TilePreference>();
  private readonly mutedKinds = new Set<MediaKind>();
  private reconcileTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly options: CallEngineOptions) {
    super();
    this.serverUrl = (options.serverUrl ?? globalThis.location?.origin ?? '').replace(/\/$/, '');
    const signalingUrl = options.signalingUrl ?? `${this.serverUrl.replace(/^http/, 'ws')}${SIGNALING_PATH}`;
    this.localStream = options.localStream ?? null;
    this.signaling = new SignalingSocket({
      url: signalingUrl,
      consultationId: options.consultationId,
      ...(options.reconnect ? { reconnect: options.reconnect } : {}),
      ...(options.pingIntervalMs !== undefined ? { pingIntervalMs: options.pingIntervalMs } : {}),
      ...(options.WebSocket ? { WebSocket: options.WebSocket } : {}),
      // Read when the join is sent; the reporter is created below, before the socket opens (start()).
      bandwidthForJoin: () => this.bandwidth.forJoin(),
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
    this.ice = new IceServerSource({
      serverUrl: this.serverUrl,
      ...(options.fetch ? { fetch: options.fetch } : {}),
      updated: () => {
        for (const link of this.links.values()) link.updateConfiguration(this.rtcConfig());
      },
      failed: (message) => this.emit('error', { code: 'TURN_CREDENTIALS_FAILED', message }),
    });
    this.latency = new LatencyReporter({
      send: (m) => this.signaling.send(m),
      sources: () => latencySources(this.connectionsNow),
      active: () => this._state === 'joined',
      intervalMs: options.latencyReportIntervalMs || 5_000,
    });
    this.bandwidth = new BandwidthReporter({
      send: (m) => this.signaling.send(m),
      connections: () => measurableConnections(this.connectionsNow),
      active: () => this._state === 'joined',
      waiting: () => this._state === 'waiting',
      reported: (sample) => this.emit('bandwidth', sample),
      forcedRelay: options.iceTransportPolicy === 'relay',
      ...(options.device ? { device: options.device } : {}),
      ...(options.bandwidth !== undefined ? { polling: options.bandwidth } : {}),
      ...(options.fixedBandwidth ? { fixed: options.fixedBandwidth } : {}),
      ...(options.linkProbe === false
        ? {}
        : {
            probe: () =>
              probeLink({
                serverUrl: this.serverUrl,
                fetch: options.fetch ?? globalThis.fetch.bind(globalThis),
                carried: () => carriedBytes(this.connectionsNow),
              }),
          }),
    });
    this.paths = new PathReporter({
      send: (m) => this.signaling.send(m),
      connections: () => (this._state === 'joined' ? reportableConnections(this.connectionsNow) : []),
    });
    this.chat = new ChatOutbox({
      // Only a joined member's lines are taken; before that (waiting room, reconnecting) they wait.
      send: (line) =>
        this._state === 'joined' && this.signaling.send({ type: 'chat', text: line.text, id: line.id }),
      changed: (waiting) => this.emit('chat-outbox', waiting),
    });
    this.sfu = new SfuPath({
      send: (m) => this.signaling.send(m),
      localTracks: () => this.localTracks(),
      muted: (kind) => this.mutedKinds.has(kind),
      tilePreference: (peerId) => this.tilePreferences.get(peerId),
      rtc: () => ({
        iceServers: this.rtcConfig().iceServers ?? [],
        iceTransportPolicy: this.options.iceTransportPolicy ?? 'all',
      }),
      track: (peerId, track, source) =>
        this.onRemoteTrack(peerId, peerId, track, source === 'screen' ? 'screen' : (track.kind as MediaKind)),
      trackEnded: (peerId, track) => this.detachTracks(peerId, [track]),
      paused: (peerId, kind, paused) => this.emit('media-paused', { peerId, kind, paused }),
      error: (code, message) => this.emit('error', { code, message, streamId: 'sfu' }),
      state: (state, epoch) => this.emit('sfu', { state, epoch }),
    });
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
    if (!this.options.skipTurnCredentials) await this.ice.refresh();
    if ((this._state as EngineState) !== 'connecting') return; // closed meanwhile
    this.signaling.open();
    this.bandwidth.start();
    if (this.options.latencyReportIntervalMs !== false) this.latency.start();
    this.paths.start();
  }

  /** Sets (or replaces) the local media sent to others. Tracks are swapped in place where possible. */
  setLocalStream(stream: MediaStream | null): void {
    this.localStream = stream;
    for (const link of this.links.values()) this.feedLink(link);
    for (const kind of this.mutedKinds) for (const t of this.ownTracks(kind)) t.enabled = false;
    this.sfu.session?.setLocalTracks();
  }

  /**
   * Mutes (or unmutes) the microphone or camera on every path: the local track is disabled (peers get silence
   * or black), and on the SFU the producer is paused so receivers learn it (`media-paused`) and nothing is sent.
   */
  setMuted(kind: MediaKind, muted: boolean): void {
    const changed = muted !== this.mutedKinds.has(kind);
    if (muted) this.mutedKinds.add(kind);
    else this.mutedKinds.delete(kind);
    for (const t of this.ownTracks(kind)) t.enabled = !muted;
    // Nothing is sent for a muted kind: every sender of ours gets a null track (no silence, no black frames,
    // no bandwidth), and gets the track back on unmute, without renegotiating.
    for (const link of this.links.values()) this.feedLink(link);
    this.sfu.session?.setPaused(kind, muted);
    if (changed) this.sendMediaState();
  }

  /** What we declare to others; sent on every change and after each (re)join. */
  get mediaState(): MediaState {
    return {
      audioMuted: this.mutedKinds.has('audio'),
      videoMuted: this.mutedKinds.has('video'),
      screenSharing: this.screen !== null,
    };
  }

  /**
   * Shares a screen, window or tab (a getDisplayMedia video track) as a second video on every path, or stops
   * (null). The track is hinted 'detail' and sent resolution first; when the browser's own "Stop sharing" ends
   * it, the share stops and `local-screen` tells the UI. Others learn it from our media state.
   */
  shareScreen(track: MediaStreamTrack | null): void {
    if ((this.screen?.track ?? null) === track) return;
    if (track) {
      track.contentHint = 'detail';
      track.addEventListener('ended', () => {
        if (this.screen?.track === track) this.shareScreen(null);
      });
    }
    this.screen = track ? { track, stream: new MediaStream([track]) } : null;
    for (const link of this.links.values()) this.feedLink(link);
    this.sfu.session?.setLocalTracks();
    this.sendMediaState();
    this.emit('local-screen', track);
  }

  /** The screen we share now, if any. */
  get sharedScreen(): MediaStreamTrack | null {
    return this.screen?.track ?? null;
  }

  /** A remote sender's screen stream (stable per sender), if one arrived. */
  remoteScreen(peerId: string): MediaStream | null {
    return this.remoteScreens.get(peerId) ?? null;
  }

  private sendMediaState(): void {
    if (this._state === 'joined') this.signaling.send({ type: 'media-state', media: this.mediaState });
  }

  /**
   * How the UI shows a remote participant's video: visible or not, and how wide. On the SFU this picks the
   * simulcast layer the server forwards (a hidden tile gets none); on other paths it is remembered for later.
   */
  setTilePreference(peerId: string, preference: TilePreference): void {
    this.tilePreferences.set(peerId, preference);
    this.sfu.session?.setPreference(peerId);
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
  /** Posts a chat line; it goes again after a resume until the server echoes it (chat-outbox.ts). */
  sendChat(text: string): string {
    return this.chat.post(text);
  }
  /** This participant's answer to a recording's consent request. */
  answerRecordingConsent(recordingId: string, granted: boolean): void {
    this.signaling.send({ type: 'recording-consent', recordingId, granted });
  }
  /** Withdraws this participant's consent to the running recording: they are no longer recorded. */
  withdrawRecordingConsent(recordingId: string): void {
    this.signaling.send({ type: 'recording-withdraw-consent', recordingId });
  }

  /** Leaves cleanly (others see it at once) and releases everything. Local tracks are left to the caller. */
  leave(): void {
    this.signaling.send({ type: 'leave' });
    // A relay goes on forwarding others' streams for the handover, so its children do not lose them before
    // their new parents deliver; its own media stops now.
    const self = this.selfPeer?.id;
    const specs = [...this.links.values()].map((l) => l.spec);
    this.shutdown('closed', self ? handedOverByLeaver(specs, self).map(linkKey) : []);
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

  /** The SFU's receivers (one per remote track), for stats and diagnostics; empty off the SFU. */
  sfuReceivers(): SfuReceiver[] {
    return this.sfu.session?.receivers() ?? [];
  }

  /** The SFU transports' stats (bytes sent and received), or nulls off the SFU. */
  sfuTransportStats(): Promise<{ send: RTCStatsReport | null; recv: RTCStatsReport | null }> {
    return this.sfu.session?.transportStats() ?? Promise.resolve({ send: null, recv: null });
  }

  /** The stable stream of a remote sender (the same object whatever path carries it), if any. */
  remoteStream(peerId: string): MediaStream | null {
    return this.remoteStreams.get(peerId) ?? null;
  }

  /** Every live connection, for diagnostics. */
  connections(): Array<
    LinkSpec & {
      state: RTCPeerConnectionState;
      pc: RTCPeerConnection;
      retiring: boolean;
      iceRestarts: number;
    }
  > {
    return [...this.links].map(([key, l]) => ({
      ...l.spec,
      state: l.state,
      pc: l.pc,
      retiring: this.retiring.has(key),
      iceRestarts: l.iceRestarts,
    }));
  }

  // ---- inputs (the handle* methods) ----------------------------------------------------------------------

  /** Input from the signaling socket. */
  handleServerMessage(m: ServerMessage): void {
    if (this.sfu.handle(m)) return;
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
        // A relay that left and is back within its handover is a new page: the links kept for the old one
        // lead nowhere, and a plan naming the same link would otherwise keep them.
        for (const key of [...this.handingOver]) {
          if (this.links.get(key)?.spec.remote === m.peer.id) this.closeLink(key);
        }
        this.peers.set(m.peer.id, m.peer);
        this.emit('peer-joined', m.peer);
        this.reconcileSoon();
        break;
      case 'peer-updated':
        if (m.peer.id === this.selfPeer?.id) this.selfPeer = m.peer;
        else {
          this.peers.set(m.peer.id, m.peer);
          // A declared share starts or stops: the tree's screen slot is shown and relayed only meanwhile.
          this.syncScreen(m.peer.id);
        }
        this.emit('peer-updated', m.peer);
        break;
      case 'peer-resumed':
        this.peers.set(m.peer.id, m.peer);
        // Its answer to an offer of ours may have died with its old connection: ask again.
        for (const link of this.links.values()) if (link.spec.remote === m.peer.id) link.resendPendingOffer();
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
        if (this.chat.accept(m.from, m.id, this.selfPeer?.id))
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
      case 'sfu-session':
      case 'sfu-transport':
      case 'sfu-produced':
      case 'sfu-done':
      case 'sfu-consume':
      case 'sfu-consumer-closed':
      case 'sfu-consumer-paused':
      case 'sfu-standby-end':
        // The SFU path took those it expected above; one for a session already gone needs nothing.
        break;
      default:
        assertNever(m);
    }
  }

  private handleJoined(m: Extract<ServerMessage, { type: 'joined' }>): void {
    const fresh = !m.resumed;
    if (fresh) {
      // A fresh join (first, or after our place expired): rebuild from what the server says now. The server
      // dropped our SFU transports with our old place.
      this.closeAllLinks();
      this.sfu.close(false);
      this.plan = null;
    }
    this.selfPeer = m.self;
    this.peers.clear();
    for (const p of m.peers) this.peers.set(p.id, p);
    for (const key of [...this.links.keys()]) {
      const link = this.links.get(key)!;
      if (!this.peers.has(link.spec.remote)) this.closeLink(key);
    }
    // Resumed: a share may have started or stopped while we were away.
    for (const id of this.peers.keys()) this.syncScreen(id);
    this.setState('joined');
    this.sendMediaState();
    this.chat.resend();
    this.emit('joined', { self: m.self, peers: m.peers, resumed: m.resumed });
    if (m.lobby.length > 0) this.emit('lobby', m.lobby);
    // The room's plan, even when older than ours (takesJoinedPlan: a resume after the node running the room died).
    if (takesJoinedPlan(this.plan, m.plan) || fresh) {
      this.plan = m.plan;
      this.emit('plan', m.plan);
      for (const link of this.links.values()) this.limitVideo(link);
    }
    this.bandwidth.reportFixed();
    // The server may have lost what we told it (a restart): tell it again.
    this.paths.forget();
    this.reconcileSoon();
    if (m.resumed) {
      // Signals sent while we were away may be lost: an unanswered offer goes again, and ICE restarts on
      // connections that are not up.
      for (const link of this.links.values()) {
        if (link.resendPendingOffer()) continue;
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
    for (const link of this.links.values()) this.limitVideo(link);
  }

  /** What this client sends on a peer connection follows the plan's quality (send-quality.ts). */
  private limitVideo(link: PeerLink): void {
    if (link.spec.role === 'recv' || !this.plan) return;
    void applyVideoLimit(link.pc, videoLimitOf(this.plan.quality));
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
      // Answered all the same (a newer plan may be on its way), but reconciled after a moment: a link no plan
      // wants is then retired like any other, make before break, instead of lingering (and being restarted
      // when it fails) until the next plan. Seen at a 2 -> 3 switch: the newcomer offered mesh links for the
      // plan its `joined` carried, after the others had the SFU plan its arrival brought.
      if (this.plan && !isPlanned(this.plan, self, this.peers.keys(), spec)) {
        setTimeout(() => this.reconcile(), UNPLANNED_LINK_GRACE_MS);
      }
    }
    void link.handleSignal(data);
  }

  private handlePeerLeft(peerId: string): void {
    this.peers.delete(peerId);
    for (const [key, link] of [...this.links]) {
      if (link.spec.remote !== peerId) continue;
      // A relay that left announced it and forwards others' streams a moment longer (leave()): what we get
      // through it stays until the next plan's parent delivers (reconcile retires it), what we give it to
      // forward until the handover ends. A relay that crashed took its links down already.
      if (outlivesLeave(link.spec, peerId) && link.state === 'connected') this.handOver(key);
      else this.closeLink(key);
    }
  }

  /** Keeps a link for the handover (see leave()), then closes it. */
  private handOver(key: string): void {
    this.handingOver.add(key);
    setTimeout(() => {
      if (this.handingOver.has(key)) this.closeLink(key);
    }, this.options.leaveHandoverMs ?? 3000);
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
    const timeoutMs = this.options.makeBeforeBreakTimeoutMs ?? 8000;
    const onSfu = this.plan.topology === 'sfu';
    // A standby session (built ahead for a foreseen move) is the server's to end, not a path being left.
    if (!onSfu && this.sfu.session && !this.sfu.session.isStandby) {
      // Leaving the SFU, make before break: the peer connections come up and their tracks take over the
      // streams (each as soon as it carries media), then the SFU session closes.
      void whenConnected(created, timeoutMs)
        .then(() => whenTrue(() => !this.sfuFeedsAnyStream() || this.isShutDown, timeoutMs))
        .then(() => {
          if (this.plan?.topology !== 'sfu') this.sfu.close(true);
        });
    }
    // What we send a relay that left to forward stays for the handover: we cannot see when its children's new
    // parents deliver, and they need it until then.
    const toRetire = diff.disconnect.filter(
      (k) => !this.retiring.has(k) && !(this.handingOver.has(k) && this.links.get(k)?.spec.role === 'send'),
    );
    if (toRetire.length === 0) return;
    for (const key of toRetire) this.retiring.add(key);
    // Make before break: close the replaced connections once the new path carries media (or time is up). On
    // the SFU that is when its tracks feed every remote stream (the server sends `sfu-session` after the plan).
    const ready = onSfu
      ? whenSfuDelivers(
          { up: () => this.sfu.isUp, delivers: () => this.sfuFeedsEveryStream() || this.isShutDown },
          timeoutMs,
        )
      : whenConnected(created, timeoutMs);
    void ready.then(() => {
      for (const key of toRetire) {
        if (this.retiring.delete(key)) this.closeLink(key);
      }
    });
  }

  /** Every remote sender's stream carries only SFU tracks (so peer connections may close). */
  private sfuFeedsEveryStream(): boolean {
    const session = this.sfu.session;
    return !!session && streamsFedBy(this.remoteStreams.entries(), this.peers, (t) => session.owns(t)).all;
  }

  /** Some remote stream still carries an SFU track (so the session must stay). */
  private sfuFeedsAnyStream(): boolean {
    const session = this.sfu.session;
    return !!session && streamsFedBy(this.remoteStreams.entries(), this.peers, (t) => session.owns(t)).any;
  }

  private rtcConfig(): RTCConfiguration {
    return {
      iceServers: [...this.ice.servers, ...(this.options.iceServers ?? [])],
      iceTransportPolicy: this.options.iceTransportPolicy ?? 'all',
      bundlePolicy: 'max-bundle',
    };
  }

  private createLink(spec: LinkSpec): PeerLink {
    const self = this.selfPeer!.id;
    const key = linkKey(spec);
    const existing = this.links.get(key);
    if (existing) return existing;
    const link: PeerLink = new PeerLink({
      spec,
      polite: isPolite(self, spec.remote),
      // Mesh: only the impolite side makes the first offer (see PeerLinkOptions.deferInitialOffer).
      deferInitialOffer: spec.role === 'mesh' && isPolite(self, spec.remote),
      rtcConfig: this.rtcConfig(),
      ...(this.options.RTCPeerConnection ? { RTCPeerConnection: this.options.RTCPeerConnection } : {}),
      callbacks: {
        signal: (data) => {
          // A link kept for a departed relay's handover (handlePeerLeft) may still gather candidates: the server
          // no longer knows that peer (UNKNOWN_PEER), and nothing is negotiated with it any more.
          if (!this.peers.has(spec.remote)) return;
          this.signaling.send({ type: 'signal', to: spec.remote, streamId: spec.streamId, data });
        },
        track: (track, slot) => {
          if (spec.role === 'send') return;
          // A tree link's screen slot waits (in link.remoteTracks) until its sender declares a share.
          if (slot === 'screen' && !screenCounts(spec.role === 'recv', this.declaresScreen(senderOf(spec))))
            return;
          // Video takes a tile over once it decoded a frame: this link's stats for this track say when.
          this.onRemoteTrack(spec.remote, senderOf(spec), track, slot, {
            getStats: () => link.pc.getStats(track),
          });
        },
        trackRemoved: (track, slot) => {
          if (slot === 'screen') this.detachScreen(senderOf(spec), track);
        },
        state: (state) => {
          this.emit('connection-state', {
            peerId: spec.remote,
            streamId: senderOf(spec),
            role: spec.role,
            state,
          });
        },
        negotiated: (count) =>
          this.emit('negotiation', {
            peerId: spec.remote,
            streamId: senderOf(spec),
            role: spec.role,
            count,
          }),
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
      if (this.localStream)
        link.setMeshTracks(this.localStream.getTracks(), this.localStream, this.mutedKinds);
      link.setMeshScreen(this.screen?.track ?? null, this.screen?.stream ?? null);
    } else if (role === 'send') {
      link.setSendTracks(this.tracksFor(streamId));
    }
    this.limitVideo(link);
  }

  /** Outgoing tracks for stream S: ours if S is us, else what we currently receive for S. */
  private tracksFor(streamId: string): Partial<Record<MediaSlot, MediaStreamTrack | null>> {
    if (streamId === this.selfPeer?.id) {
      const own = this.localTracks();
      return {
        audio: this.mutedKinds.has('audio') ? null : (own.audio ?? null),
        video: this.mutedKinds.has('video') ? null : (own.video ?? null),
        screen: own.screen ?? null,
      };
    }
    // A relay forwards the sender's screen like its camera: one more track of the same stream's tree.
    const stream = this.remoteStreams.get(streamId);
    return {
      audio: stream?.getAudioTracks()[0] ?? null,
      video: stream?.getVideoTracks()[0] ?? null,
      screen: this.remoteScreens.get(streamId)?.getVideoTracks()[0] ?? null,
    };
  }

  /**
   * A track of `sender`'s media arrived through `via` (a peer, or the sender itself on the SFU). `stats` reads the
   * receiving side's stats for it (peer links; the SFU path hands video over only once decoded).
   */
  private onRemoteTrack(
    via: string,
    sender: string,
    track: MediaStreamTrack,
    slot: MediaSlot,
    stats?: { getStats(): Promise<RTCStatsReport> },
  ): void {
    const streams = slot === 'screen' ? this.remoteScreens : this.remoteStreams;
    if (streams.shouldDefer(sender, track)) {
      // Make before break: the current track keeps playing until this one receives its first packet, and for
      // video until its first frame is decoded (first-frame.ts): a track with packets but no picture yet would
      // freeze the tile until its key frame.
      const gone = () => track.readyState !== 'live' || this.isShutDown;
      const takeOver = () => {
        if (!gone()) this.onRemoteTrack(via, sender, track, slot);
      };
      track.addEventListener(
        'unmute',
        () => {
          if (track.kind === 'video' && stats) void firstFrameDecoded(stats, gone).then(takeOver);
          else takeOver();
        },
        { once: true },
      );
      return;
    }
    const stream = streams.put(sender, track);
    if (slot === 'screen') {
      // Relayed on in a tree: keep the detail there too.
      track.contentHint = 'detail';
      this.emit('screen', { peerId: via, streamId: sender, track, stream });
    } else this.emit('track', { peerId: via, streamId: sender, track, stream });
    this.refreshForwarding(sender);
  }

  /** `sender`'s screen track stopped on one path: another path's screen fills in, or the screen is gone. */
  private detachScreen(sender: string, track: MediaStreamTrack): void {
    if (this.remoteScreens.get(sender)?.getTracks().includes(track)) this.syncScreen(sender, track);
  }

  /** Whether `sender` says it shares a screen (its last media state). */
  private declaresScreen(sender: string): boolean {
    return this.peers.get(sender)?.media?.screenSharing === true;
  }

  /**
   * Brings `sender`'s screen (shown, and forwarded where we relay its stream) in line with its declaration and
   * what our paths receive (remote-screen.ts); `gone` is a track just taken away. A stopped tree share leaves
   * the screen here, so the relays' senders let go of it too.
   */
  private syncScreen(sender: string, gone?: MediaStreamTrack): void {
    const current = this.remoteScreens.get(sender)?.getVideoTracks()[0] ?? null;
    const candidates: ScreenCandidate<MediaStreamTrack>[] = [];
    for (const l of this.links.values()) {
      const track = l.remoteTracks.get('screen');
      if (l.isClosed || l.spec.role === 'send' || senderOf(l.spec) !== sender || !track) continue;
      candidates.push({
        via: l.spec.remote,
        treeSlot: l.spec.role === 'recv',
        track,
        live: track !== gone && track.readyState === 'live',
      });
    }
    // A current track no link holds came from the SFU, which takes it away itself when the producer closes.
    if (current && !candidates.some((c) => c.track === current))
      candidates.push({ via: sender, treeSlot: false, track: current, live: current !== gone });
    const next = chooseScreen(this.declaresScreen(sender), current, candidates);
    if (next && next.track === current) return;
    const emptied = current ? this.remoteScreens.remove(sender, [current]) : false;
    if (next) {
      this.onRemoteTrack(next.via, sender, next.track, 'screen');
      return;
    }
    if (emptied) this.emit('screen-removed', { streamId: sender });
    if (current) this.refreshForwarding(sender);
  }

  /** These tracks of `sender` stopped (SFU consumer closed): another path's tracks fill in, if any. */
  private detachTracks(sender: string, tracks: MediaStreamTrack[]): void {
    for (const t of tracks) this.detachScreen(sender, t);
    const stream = this.remoteStreams.get(sender);
    if (!stream || !tracks.some((t) => stream.getTracks().includes(t))) return;
    const emptied = this.remoteStreams.remove(sender, tracks);
    const other = [...this.links.values()].find((l) => !l.isClosed && senderOf(l.spec) === sender);
    if (other && other.remoteTracks.size > 0) {
      for (const [slot, track] of other.remoteTracks) {
        if (track.readyState === 'live' && slot !== 'screen')
          this.onRemoteTrack(other.spec.remote, sender, track, slot);
      }
      if (this.remoteStreams.get(sender)) return;
    }
    if (emptied) this.emit('stream-removed', { streamId: sender });
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
    this.handingOver.delete(key);
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
    const screen = link.remoteTracks.get('screen');
    if (screen) this.detachScreen(sender, screen);
    // Not what the sender's tile shows (the SFU or another connection feeds it already): nothing to replace. A
    // stale connection's tracks must not take a live stream over (seen: a leftover p2p link closing after the
    // move to the SFU swapped its frozen tracks in, then took the stream away with it).
    const shown = this.remoteStreams.get(sender)?.getTracks() ?? [];
    if (![...link.remoteTracks.values()].some((t) => shown.includes(t))) {
      this.refreshForwarding(sender);
      return;
    }
    // Another connection may still deliver this sender (make before break): move the stream onto it.
    const other = [...this.links.values()].find(
      (l) =>
        !l.isClosed &&
        (l.spec.role === 'mesh' ? l.spec.remote : l.spec.role === 'recv' ? l.spec.streamId : null) === sender,
    );
    if (other && other.remoteTracks.size > 0) {
      for (const [slot, track] of other.remoteTracks)
        if (slot !== 'screen') this.onRemoteTrack(other.spec.remote, sender, track, slot);
      return;
    }
    if (this.remoteStreams.remove(sender, link.remoteTracks.values())) {
      this.emit('stream-removed', { streamId: sender });
    }
    this.refreshForwarding(sender);
  }

  private closeAllLinks(): void {
    for (const key of [...this.links.keys()]) this.closeLink(key);
  }

  // ---- local media and measurements ----------------------------------------------------------------------

  private localTracks(): Partial<Record<MediaSlot, MediaStreamTrack | null>> {
    return {
      audio: this.localStream?.getAudioTracks()[0] ?? null,
      video: this.localStream?.getVideoTracks()[0] ?? null,
      screen: this.screen?.track ?? null,
    };
  }

  private ownTracks(kind: MediaKind): MediaStreamTrack[] {
    if (!this.localStream) return [];
    return kind === 'audio' ? this.localStream.getAudioTracks() : this.localStream.getVideoTracks();
  }

  /** Where the reporters find this engine's connections (measured-connections.ts). */
  private get connectionsNow(): EngineConnections {
    return { links: this.links, handingOver: this.handingOver, sfu: this.sfu.session };
  }

  // ---- lifecycle ---------------------------------------------------------------------------------------------

  private setState(state: EngineState): void {
    if (this._state === state) return;
    this._state = state;
    this.emit('state', state);
  }

  /** Stops everything; `handedOver` links (a leaving relay's, see leave()) close when the handover ends. */
  private shutdown(state: 'closed' | 'denied' | 'ended', handedOver: readonly string[] = []): void {
    if (this.isShutDown) return;
    this.bandwidth.stop();
    this.latency.stop();
    this.paths.stop();
    this.ice.stop();
    if (this.reconcileTimer) clearTimeout(this.reconcileTimer);
    this.reconcileTimer = null;
    for (const key of [...this.links.keys()]) {
      if (handedOver.includes(key)) this.handOver(key);
      else this.closeLink(key);
    }
    // Leaving the call: the server closes our SFU transports with our place (no `sfu-close` needed).
    this.sfu.close(false);
    this.signaling.close();
    this.chat.clear();
    this.setState(state);
  }

  private get isShutDown(): boolean {
    return this._state === 'closed' || this._state === 'ended' || this._state === 'denied';
  }
}

/** Compile-time exhaustiveness: a server message type without a case above is a type error here. */
function assertNever(m: never): never {
  throw new Error(`unhandled server message ${JSON.stringify(m)}`);
}

/** Whose media a link carries: the remote peer's on a mesh link, the stream's sender on tree links. */
function senderOf(spec: LinkSpec): string {
  return spec.role === 'mesh' ? spec.remote : spec.streamId;
}
