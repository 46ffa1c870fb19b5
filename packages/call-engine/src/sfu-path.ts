// The engine's SFU path: routes the server's sfu-* messages, keeps at most one SfuSession (one epoch) alive,
// starts over on a new epoch, and closes the session when the engine has migrated off the SFU.
import type { ClientMessage, ServerMessage, TrackSource } from '@consulta/protocol';
import type { MediaKind, MediaSlot } from './peer-link.ts';
import { SfuRequestError, SfuRequests } from './sfu-requests.ts';
import { SfuSession, type TilePreference } from './sfu-session.ts';

export interface SfuPathHost {
  send(message: ClientMessage): boolean;
  localTracks(): Partial<Record<MediaSlot, MediaStreamTrack | null>>;
  muted(kind: MediaKind): boolean;
  tilePreference(peerId: string): TilePreference | undefined;
  rtc(): { iceServers: RTCIceServer[]; iceTransportPolicy: RTCIceTransportPolicy };
  /** A remote track carries media through the SFU. */
  track(peerId: string, track: MediaStreamTrack, source: TrackSource): void;
  /** A remote track stopped (consumer closed), or every track of a session being closed. */
  trackEnded(peerId: string, track: MediaStreamTrack): void;
  paused(peerId: string, kind: MediaKind, paused: boolean): void;
  error(code: 'NEGOTIATION_FAILED', message: string): void;
  /** `standby`: built and connected, carrying nothing until the server activates it (see SfuSession). */
  state(state: 'starting' | 'standby' | 'up' | 'closed', epoch: number): void;
}

export class SfuPath {
  private current: SfuSession | null = null;
  /** The current session once its transports exist and it told the server it is ready. */
  private started: SfuSession | null = null;
  private readonly requests: SfuRequests;

  constructor(private readonly host: SfuPathHost) {
    this.requests = new SfuRequests((m) => host.send(m));
  }

  get session(): SfuSession | null {
    return this.current;
  }

  /** A session is up: what the SFU sends now reaches us (the server's consumers follow). */
  get isUp(): boolean {
    return this.current !== null && this.current === this.started && !this.current.isStandby;
  }

  /** Input: every server message; returns true when it was the SFU's. */
  handle(m: ServerMessage): boolean {
    if (this.requests.handle(m)) return true;
    switch (m.type) {
      case 'sfu-session':
        this.onSession(m.epoch, m.routerRtpCapabilities, m.standby === true);
        return true;
      case 'sfu-standby-end':
        // The guest whose admission it was built for was denied or left: the server closed its side.
        if (this.current?.epoch === m.epoch && this.current.isStandby) this.close(false);
        return true;
      case 'sfu-consume':
        this.current?.handleConsume(m.consumer);
        return true;
      case 'sfu-consumer-closed':
        this.current?.handleConsumerClosed(m.consumerId);
        return true;
      case 'sfu-consumer-paused':
        this.current?.handleConsumerPaused(m.consumerId, m.paused);
        return true;
      default:
        return false;
    }
  }

  /**
   * Ends the session: its tracks leave the engine's streams. `tellServer` sends `sfu-close` (migrating off);
   * not when the server already dropped us (new epoch, fresh join) or we leave the call.
   */
  close(tellServer: boolean, keepTracks = false): void {
    const session = this.current;
    if (!session) return;
    this.current = null;
    const released = session.receivers();
    session.close();
    this.requests.cancelAll('the SFU session closed');
    if (tellServer) this.host.send({ type: 'sfu-close' });
    if (!keepTracks) for (const r of released) this.host.trackEnded(r.peerId, r.track);
    this.host.state('closed', session.epoch);
  }

  private onSession(epoch: number, routerRtpCapabilities: Record<string, unknown>, standby: boolean): void {
    const running = this.current;
    if (running && running.epoch === epoch) {
      if (running.isStandby && !standby) {
        // The plan moved onto the SFU this standby was built for: only the senders' tracks go on.
        running.activate();
        if (this.started === running) this.host.state('up', epoch);
        return;
      }
      // The same epoch again (resume, or our media gate opened): send what we could not send before.
      void running.ensureProducing();
      return;
    }
    if (running && epoch < running.epoch) return;
    // A new epoch: the server re-created the room (its worker died); everything of the old one is gone. The
    // dead tracks stay in the streams until the new session's replace them, so tiles keep their stream.
    if (running) this.close(false, true);
    const { iceServers, iceTransportPolicy } = this.host.rtc();
    const host = this.host;
    const session: SfuSession = new SfuSession({
      epoch,
      routerRtpCapabilities,
      send: (message) => host.send(message),
      requests: this.requests,
      localTracks: () => host.localTracks(),
      muted: (kind) => host.muted(kind),
      tilePreference: (peerId) => host.tilePreference(peerId),
      iceServers,
      iceTransportPolicy,
      standby,
      callbacks: {
        track: (peerId, track, source) => host.track(peerId, track, source),
        trackEnded: (peerId, track) => host.trackEnded(peerId, track),
        paused: (peerId, kind, paused) => host.paused(peerId, kind, paused),
        error: (code, message) => host.error(code, message),
      },
    });
    this.current = session;
    host.state('starting', epoch);
    session.start().then(
      () => {
        if (this.current !== session) return;
        this.started = session;
        host.state(session.isStandby ? 'standby' : 'up', epoch);
      },
      (err: unknown) => {
        if (this.current !== session) return;
        // The room left the SFU while this session was starting (a plan that passed through sfu during joins):
        // the server's next plan moves us off it, so this is no failure of the call.
        if (err instanceof SfuRequestError && err.code === 'NOT_ON_SFU') return;
        host.error('NEGOTIATION_FAILED', `the SFU session did not start: ${String(err)}`);
      },
    );
  }
}
