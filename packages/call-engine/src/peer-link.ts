// One RTCPeerConnection with perfect negotiation (https://w3c.github.io/webrtc-pc/#perfect-negotiation-example),
// trickle ICE and ICE restart on failure. Input arrives through handleSignal; output leaves through callbacks.
import type { SignalData } from '@consulta/protocol';
import type { LinkSpec } from './links.ts';
import { TrackSwapper } from './track-swap.ts';

export type MediaKind = 'audio' | 'video';
/** What a track is to the call: the microphone, the camera, or a shared screen (a second video). */
export type MediaSlot = MediaKind | 'screen';

/**
 * Tree (send/recv) links always carry three transceivers in this order, so a receiver knows the screen by its
 * position; a sender that shares nothing keeps a null track on it (nothing is sent).
 */
const TREE_SLOTS = ['audio', 'video', 'screen'] as const;

export interface PeerLinkCallbacks {
  signal(data: SignalData): void;
  track(track: MediaStreamTrack, slot: MediaSlot): void;
  /** Mesh: the remote stopped sending its screen (its transceiver went inactive). */
  trackRemoved(track: MediaStreamTrack, slot: MediaSlot): void;
  state(state: RTCPeerConnectionState): void;
  /**
   * An offer/answer exchange on this connection completed (our answer sent, or the remote answer applied);
   * `count` is how many so far: 1 is the connection's first, every later one a renegotiation.
   */
  negotiated(count: number): void;
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
  /** The remote tracks by slot, as last received. */
  readonly remoteTracks = new Map<MediaSlot, MediaStreamTrack>();
  private makingOffer = false;
  private ignoreOffer = false;
  /**
   * Candidates that arrived before any remote description: the description they follow was lost with a dying
   * signaling socket (seen in a cluster's rolling restart: the answer went into the old node's socket, the
   * candidates after it came through the new one). They are applied once a description is set.
   */
  private readonly earlyCandidates: RTCIceCandidateInit[] = [];
  private settingRemoteAnswerPending = false;
  private queue: Promise<void> = Promise.resolve();
  private readonly senders = new Map<MediaSlot, RTCRtpSender>();
  private readonly swapper = new TrackSwapper();
  /** Mesh: the screen we share on this link (sent on its own sendonly transceiver), and that transceiver. */
  private meshScreen: { track: MediaStreamTrack; stream: MediaStream } | null = null;
  private screenTransceiver: RTCRtpTransceiver | null = null;
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
  /** Completed offer/answer exchanges (see PeerLinkCallbacks.negotiated). */
  private negotiations = 0;

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
    pc.ontrack = ({ track, transceiver, streams }) => {
      if (this.closed) return;
      const slot = this.slotOf(track, transceiver, streams);
      this.remoteTracks.set(slot, track);
      if (slot === 'screen' && streams[0]) {
        // Mesh: the sender's stopping turns its transceiver inactive, which takes the track out of its stream.
        streams[0].onremovetrack = ({ track: gone }) => {
          if (this.closed || this.remoteTracks.get('screen') !== gone) return;
          this.remoteTracks.delete('screen');
          this.cb.trackRemoved(gone, 'screen');
        };
      }
      this.cb.track(track, slot);
    };
    pc.onconnectionstatechange = () => this.onConnectionState();
  }

  /**
   * Which slot a remote track fills. Tree links: by transceiver position (TREE_SLOTS). Mesh links: a screen is
   * sent in a stream of its own, while the camera's video shares its stream with the microphone.
   */
  private slotOf(track: MediaStreamTrack, transceiver: RTCRtpTransceiver, streams: readonly MediaStream[]) {
    if (track.kind === 'audio') return 'audio';
    if (this.spec.role !== 'mesh')
      return this.pc.getTransceivers().indexOf(transceiver) === 2 ? 'screen' : 'video';
    const stream = streams[0];
    return stream && stream.getAudioTracks().length === 0 && this.remoteTracks.has('audio')
      ? 'screen'
      : 'video';
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
    if (!this.closed) this.applyMeshScreen();
  }

  /**
   * Mesh links: share `track` (a screen) on a sendonly transceiver of its own, or stop sharing (null): the
   * transceiver goes inactive, so the other side's track leaves its stream. Sharing again reuses it.
   */
  setMeshScreen(track: MediaStreamTrack | null, stream: MediaStream | null): void {
    const next = track && stream ? { track, stream } : null;
    if (this.meshScreen?.track === next?.track) return;
    this.meshScreen = next;
    // While deferring (see deferInitialOffer), the screen goes on with the camera's tracks.
    if (this.deferring && this.pc.remoteDescription === null) return;
    this.applyMeshScreen();
  }

  private applyMeshScreen(): void {
    const want = this.meshScreen;
    const t = this.screenTransceiver;
    if (want) {
      if (!t) {
        this.screenTransceiver = this.pc.addTransceiver(want.track, {
          direction: 'sendonly',
          streams: [want.stream],
        });
        preferResolution(this.screenTransceiver.sender);
        return;
      }
      this.swapper.swap(t.sender, want.track);
      if (t.direction !== 'sendonly') t.direction = 'sendonly';
      preferResolution(t.sender);
    } else if (t && t.direction !== 'inactive') {
      t.direction = 'inactive';
      this.swapper.swap(t.sender, null);
    }
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
        this.swapper.swap(sender, wanted);
      } else {
        // addTrack needs the track (the transceiver pairing on glare depends on it); muting follows at once.
        const added = this.pc.addTrack(track, stream);
        this.senders.set(kind, added);
        if (wanted === null) this.swapper.swap(added, null);
      }
    }
  }

  /**
   * Send (tree parent) links: one sendonly transceiver per kind, created once; tracks are swapped in with
   * replaceTrack (no renegotiation), e.g. when the stream we relay now reaches us from a new parent.
   */
  setSendTracks(tracks: Partial<Record<MediaSlot, MediaStreamTrack | null>>): void {
    for (const slot of TREE_SLOTS) {
      const track = tracks[slot] ?? null;
      let sender = this.senders.get(slot);
      if (!sender) {
        sender = this.pc.addTransceiver(track ?? (slot === 'audio' ? 'audio' : 'video'), {
          direction: 'sendonly',
        }).sender;
        this.senders.set(slot, sender);
        if (slot === 'screen') preferResolution(sender);
      } else {
        this.swapper.swap(sender, track);
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
      // An answer with no offer of ours waiting: a second answer to an offer sent again (resendPendingOffer) after
      // the first one arrived after all. Applying it would only fail.
      if (description.type === 'answer' && pc.signalingState === 'stable') return;
      const readyForOffer =
        !this.makingOffer && (pc.signalingState === 'stable' || this.settingRemoteAnswerPending);
      const offerCollision = description.type === 'offer' && !readyForOffer;
      this.ignoreOffer = !this.polite && offerCollision;
      if (this.ignoreOffer) return;
      try {
        this.settingRemoteAnswerPending = description.type === 'answer';
        await pc.setRemoteDescription(description); // implicit rollback when polite and colliding
        this.settingRemoteAnswerPending = false;
        for (const candidate of this.earlyCandidates.splice(0)) {
          // One from another exchange than this description's is stale, which is no failure.
          await pc.addIceCandidate(candidate).catch(() => {});
        }
        if (description.type === 'answer') this.completedExchange();
        if (description.type === 'offer') {
          // addTrack now reuses the offered transceivers, so our media rides in this very answer.
          if (this.deferring) this.stopDeferring();
          await pc.setLocalDescription();
          const d = pc.localDescription;
          if (d && !this.closed) {
            this.cb.signal({ kind: 'description', description: { type: d.type, sdp: d.sdp } });
            this.completedExchange();
          }
        }
      } catch (err) {
        this.settingRemoteAnswerPending = false;
        if (!this.closed)
          this.cb.error('NEGOTIATION_FAILED', `applying a remote ${description.type} failed: ${String(err)}`);
      }
      return;
    }
    if (!data.candidate) return; // end of candidates: nothing to do with trickle ICE in current browsers
    if (!pc.remoteDescription) {
      // Bounded: a peer sends a handful per exchange; more than this without a description is noise.
      if (this.earlyCandidates.length < 64) this.earlyCandidates.push(data.candidate);
      return;
    }
    try {
      await pc.addIceCandidate(data.candidate);
    } catch (err) {
      // Candidates of an offer we ignored are expected to fail.
      if (!this.ignoreOffer && !this.closed)
        this.cb.error('ICE_FAILED', `adding a candidate failed: ${String(err)}`);
    }
  }

  /**
   * Sends our unanswered offer again; true when there was one. An offer made while the signaling socket was
   * reconnecting is lost (nothing is queued), and a connection in `have-local-offer` makes no new one until an
   * answer comes: seen in a cluster test, a tree relay whose node restarted waited for an answer forever. Also
   * sent when the remote peer resumed (`peer-resumed`): its answer may have gone into its dead connection (seen
   * in the network lab, an ICE restart offer left in `have-local-offer` for good).
   */
  resendPendingOffer(): boolean {
    const d = this.pc.localDescription;
    if (this.closed || this.pc.signalingState !== 'have-local-offer' || !d) return false;
    this.cb.signal({ kind: 'description', description: { type: d.type, sdp: d.sdp } });
    return true;
  }

  private completedExchange(): void {
    if (this.closed) return;
    this.negotiations++;
    this.cb.negotiated(this.negotiations);
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
    this.meshScreen = null;
    this.pc.onnegotiationneeded = null;
    this.pc.onicecandidate = null;
    this.pc.ontrack = null;
    this.pc.onconnectionstatechange = null;
    this.pc.close();
  }
}

/**
 * A shared screen keeps its detail: under congestion the encoder lowers the frame rate, not the resolution
 * (text and images stay readable). Set before and after negotiation (Chromium keeps it on the sender).
 */
export function preferResolution(sender: RTCRtpSender): void {
  try {
    const params = sender.getParameters();
    if (params.degradationPreference === 'maintain-resolution') return;
    params.degradationPreference = 'maintain-resolution';
    void sender.setParameters(params).catch(() => {});
  } catch {
    // Not supported by this browser: the content hint 'detail' still steers the encoder.
  }
}
