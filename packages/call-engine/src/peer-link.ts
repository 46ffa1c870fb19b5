// One RTCPeerConnection with perfect negotiation (https://w3c.github.io/webrtc-pc/#perfect-negotiation-example),
// trickle ICE and ICE restart on failure. Input arrives through handleSignal; output leaves through callbacks.
import type { SignalData } from '@consulta/protocol';
import type { LinkSpec } from './links.ts';

export type MediaKind = 'audio' | 'video';

export interface PeerLinkCallbacks {
  signal(data: SignalData): void;
  track(track: MediaStreamTrack): void;
  state(state: RTCPeerConnectionState): void;
  error(code: 'NEGOTIATION_FAILED' | 'ICE_FAILED', message: string): void;
}

export interface PeerLinkOptions {
  spec: LinkSpec;
  polite: boolean;
  rtcConfig: RTCConfiguration;
  callbacks: PeerLinkCallbacks;
  /**
   * Mesh links, polite side: do not offer first; put our tracks into the answer to the other side's offer. Two
   * initial offers (glare) make the polite side roll its first offer back, after which Chromium may never gather
   * candidates for the answer (seen in tests: gathering stuck with no candidates, the link stays `new`). If no
   * offer arrives within `deferInitialOfferMs` (default 1500) we offer after all.
   */
  deferInitialOffer?: boolean;
  deferInitialOfferMs?: number;
  /** How long `disconnected` may last before an ICE restart (default 3000 ms). */
  disconnectedGraceMs?: number;
  RTCPeerConnection?: typeof RTCPeerConnection;
}

export class PeerLink {
  readonly pc: RTCPeerConnection;
  readonly spec: LinkSpec;
  readonly polite: boolean;
  readonly createdAt = Date.now();
  /** The remote tracks by kind, as last received. */
  readonly remoteTracks = new Map<MediaKind, MediaStreamTrack>();
  private makingOffer = false;
  private ignoreOffer = false;
  private settingRemoteAnswerPending = false;
  private queue: Promise<void> = Promise.resolve();
  private readonly senders = new Map<MediaKind, RTCRtpSender>();
  private disconnectTimer: ReturnType<typeof setTimeout> | null = null;
  /** Mesh tracks held back until the remote offer arrives (see {@link PeerLinkOptions.deferInitialOffer}). */
  private pendingMesh: {
    tracks: readonly MediaStreamTrack[];
    stream: MediaStream;
    muted: ReadonlySet<MediaKind>;
  } | null = null;
  private deferTimer: ReturnType<typeof setTimeout> | null = null;
  private deferring: boolean;
  private closed = false;
  private readonly cb: PeerLinkCallbacks;
  iceRestarts = 0;

  constructor(private readonly options: PeerLinkOptions) {
    this.spec = options.spec;
    this.polite = options.polite;
    this.cb = options.callbacks;
    this.deferring = options.deferInitialOffer === true;
    const Impl = options.RTCPeerConnection ?? RTCPeerConnection;
    const pc = new Impl(options.rtcConfig);
    this.pc = pc;

    pc.onnegotiationneeded = async () => {
      if (this.closed) return;
      try {
        this.makingOffer = true;
        await pc.setLocalDescription();
        const d = pc.localDescription;
        if (d && !this.closed)
          this.cb.signal({ kind: 'description', description: { type: d.type, sdp: d.sdp } });
      } catch (err) {
        if (!this.closed) this.cb.error('NEGOTIATION_FAILED', `creating an offer failed: ${String(err)}`);
      } finally {
        this.makingOffer = false;
      }
    };
    pc.onicecandidate = ({ candidate }) => {
      if (this.closed) return;
      if (!candidate) {
        this.cb.signal({ kind: 'candidate', candidate: null });
        return;
      }
      if (!candidate.candidate) return; // empty end-of-candidates marker of some browsers
      this.cb.signal({
        kind: 'candidate',
        candidate: {
          candidate: candidate.candidate,
          sdpMid: candidate.sdpMid,
          sdpMLineIndex: candidate.sdpMLineIndex,
          usernameFragment: candidate.usernameFragment,
        },
      });
    };
    pc.ontrack = ({ track }) => {
      if (this.closed) return;
      this.remoteTracks.set(track.kind as MediaKind, track);
      this.cb.track(track);
    };
    pc.onconnectionstatechange = () => this.onConnectionState();
  }

  get state(): RTCPeerConnectionState {
    return this.pc.connectionState;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Mesh links: send these tracks (one per kind) two-way. The first call adds them with addTrack, so that with
   * offer glare the polite side's transceivers pair up with the other side's m-lines; later calls replace them.
   */
  setMeshTracks(
    tracks: readonly MediaStreamTrack[],
    stream: MediaStream,
    muted: ReadonlySet<MediaKind>,
  ): void {
    if (this.deferring && this.pc.remoteDescription === null) {
      this.pendingMesh = { tracks, stream, muted: new Set(muted) };
      this.deferTimer ??= setTimeout(() => this.stopDeferring(), this.options.deferInitialOfferMs ?? 1500);
      return;
    }
    this.addMeshTracks(tracks, stream, muted);
  }

  /** Adds the held-back mesh tracks (from now on tracks go straight onto the connection). */
  private stopDeferring(): void {
    this.deferring = false;
    if (this.deferTimer) clearTimeout(this.deferTimer);
    this.deferTimer = null;
    const pending = this.pendingMesh;
    this.pendingMesh = null;
    if (pending && !this.closed) this.addMeshTracks(pending.tracks, pending.stream, pending.muted);
  }

  /** A muted kind keeps its sender (and m-line) with a null track: nothing is sent until it is unmuted. */
  private addMeshTracks(
    tracks: readonly MediaStreamTrack[],
    stream: MediaStream,
    muted: ReadonlySet<MediaKind>,
  ): void {
    for (const track of tracks) {
      const kind = track.kind as MediaKind;
      const wanted = muted.has(kind) ? null : track;
      const sender = this.senders.get(kind);
      if (sender) {
        if (sender.track !== wanted) void sender.replaceTrack(wanted).catch(() => {});
      } else {
        // addTrack needs the track (the transceiver pairing on glare depends on it); muting follows at once.
        const added = this.pc.addTrack(track, stream);
        this.senders.set(kind, added);
        if (wanted === null) void added.replaceTrack(null).catch(() => {});
      }
    }
  }

  /**
   * Send (tree parent) links: one sendonly transceiver per kind, created once; tracks are swapped in with
   * replaceTrack (no renegotiation), e.g. when the stream we relay now reaches us from a new parent.
   */
  setSendTracks(tracks: Partial<Record<MediaKind, MediaStreamTrack | null>>): void {
    for (const kind of ['audio', 'video'] as const) {
      const track = tracks[kind] ?? null;
      let sender = this.senders.get(kind);
      if (!sender) {
        sender = this.pc.addTransceiver(track ?? kind, { direction: 'sendonly' }).sender;
        this.senders.set(kind, sender);
      } else if (sender.track !== track) {
        void sender.replaceTrack(track).catch(() => {});
      }
    }
  }

  /** Input from the remote peer, processed strictly in arrival order. */
  handleSignal(data: SignalData): Promise<void> {
    this.queue = this.queue.then(() => this.applySignal(data)).catch(() => {});
    return this.queue;
  }

  private async applySignal(data: SignalData): Promise<void> {
    if (this.closed) return;
    const pc = this.pc;
    if (data.kind === 'description') {
      const description = data.description;
      const readyForOffer =
        !this.makingOffer && (pc.signalingState === 'stable' || this.settingRemoteAnswerPending);
      const offerCollision = description.type === 'offer' && !readyForOffer;
      this.ignoreOffer = !this.polite && offerCollision;
      if (this.ignoreOffer) return;
      try {
        this.settingRemoteAnswerPending = description.type === 'answer';
        await pc.setRemoteDescription(description); // implicit rollback when polite and colliding
        this.settingRemoteAnswerPending = false;
        if (description.type === 'offer') {
          // addTrack now reuses the offered transceivers, so our media rides in this very answer.
          if (this.deferring) this.stopDeferring();
          await pc.setLocalDescription();
          const d = pc.localDescription;
          if (d && !this.closed)
            this.cb.signal({ kind: 'description', description: { type: d.type, sdp: d.sdp } });
        }
      } catch (err) {
        this.settingRemoteAnswerPending = false;
        if (!this.closed)
          this.cb.error('NEGOTIATION_FAILED', `applying a remote ${description.type} failed: ${String(err)}`);
      }
      return;
    }
    if (!data.candidate) return; // end of candidates: nothing to do with trickle ICE in current browsers
    try {
      await pc.addIceCandidate(data.candidate);
    } catch (err) {
      // Candidates of an offer we ignored are expected to fail.
      if (!this.ignoreOffer && !this.closed)
        this.cb.error('ICE_FAILED', `adding a candidate failed: ${String(err)}`);
    }
  }

  /** Restarts ICE (new ufrag/pwd): negotiationneeded fires and perfect negotiation carries the new offer. */
  restartIce(rtcConfig?: RTCConfiguration): void {
    if (this.closed) return;
    if (rtcConfig) this.updateConfiguration(rtcConfig);
    this.iceRestarts++;
    this.pc.restartIce();
  }

  /** New ICE servers (fresh TURN credentials) for the next gathering. */
  updateConfiguration(rtcConfig: RTCConfiguration): void {
    if (this.closed) return;
    try {
      this.pc.setConfiguration({ ...this.pc.getConfiguration(), iceServers: rtcConfig.iceServers ?? [] });
    } catch {
      // Some fields cannot change after creation; the ICE servers can.
    }
  }

  private onConnectionState(): void {
    if (this.closed) return;
    const state = this.pc.connectionState;
    this.cb.state(state);
    if (state === 'connected' || state === 'closed') this.clearDisconnectTimer();
    if (state === 'failed') {
      this.clearDisconnectTimer();
      // Impolite restarts at once; polite waits a little so the two restarts do not always collide.
      if (this.polite) {
        this.disconnectTimer = setTimeout(() => {
          if (this.pc.connectionState === 'failed') this.restartIce();
        }, 1000);
      } else {
        this.restartIce();
      }
    } else if (state === 'disconnected' && !this.disconnectTimer) {
      this.disconnectTimer = setTimeout(
        () => {
          this.disconnectTimer = null;
          if (this.pc.connectionState === 'disconnected') this.restartIce();
        },
        (this.options.disconnectedGraceMs ?? 3000) + (this.polite ? 1000 : 0),
      );
    }
  }

  private clearDisconnectTimer(): void {
    if (this.disconnectTimer) clearTimeout(this.disconnectTimer);
    this.disconnectTimer = null;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.clearDisconnectTimer();
    if (this.deferTimer) clearTimeout(this.deferTimer);
    this.deferTimer = null;
    this.pendingMesh = null;
    this.pc.onnegotiationneeded = null;
    this.pc.onicecandidate = null;
    this.pc.ontrack = null;
    this.pc.onconnectionstatechange = null;
    this.pc.close();
  }
}
