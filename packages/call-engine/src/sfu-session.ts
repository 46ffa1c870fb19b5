// The browser side of one SFU epoch: a mediasoup-client Device loaded with the router's capabilities, a send
// transport carrying the local audio and simulcast video, a receive transport carrying everyone else. It speaks
// the sfu-* messages through SfuRequests and hands remote tracks to the engine once they carry media.
import type {
  ClientMessage,
  MediasoupObject,
  SfuConsumerOptions,
  SfuTransportOptions,
  TrackSource,
} from '@consulta/protocol';
import { Device, type types } from 'mediasoup-client';
import { firstFrameDecoded } from './first-frame.ts';
import { type MediaKind, type MediaSlot, preferResolution } from './peer-link.ts';
import { SfuRequestError, type SfuRequests } from './sfu-requests.ts';
import { simulcastEncodings } from './simulcast.ts';

/** A shared screen's one layer: enough for a 1080p page of text at a low frame rate. */
const SCREEN_MAX_BITRATE = 1_500_000;

export interface TilePreference {
  visible: boolean;
  /** CSS pixel width of the tile. */
  width: number;
}

export interface SfuSessionCallbacks {
  /** A remote track now carries media (its first packet arrived); `source` tells a shared screen. */
  track(peerId: string, track: MediaStreamTrack, source: TrackSource): void;
  /** A remote track ended (its producer or our consumer closed). */
  trackEnded(peerId: string, track: MediaStreamTrack): void;
  /** The sender paused or resumed (muted, camera off). */
  paused(peerId: string, kind: MediaKind, paused: boolean): void;
  error(code: 'NEGOTIATION_FAILED', message: string): void;
}

/** How long a producer's track swap waits for the one before it (see SfuSession.putTrack). */
const SWAP_WAIT_MS = 3000;

/**
 * Starts or stops an audio producer's one encoding. Firefox keeps sending Opus silence (about 8 kbit/s) on an
 * audio sender whose track is null, where Chromium sends nothing; `active: false` stops both. Video senders
 * with no track send nothing in either engine, and their simulcast layers are left alone. This calls the
 * sender directly, not `Producer.setRtpEncodingParameters`, which renegotiates locally on every call.
 */
async function setSenderActive(producer: types.Producer, active: boolean): Promise<void> {
  const sender = producer.rtpSender;
  if (producer.kind !== 'audio' || !sender) return;
  const parameters = sender.getParameters();
  // Nothing to change (also when it has no encoding yet).
  if (parameters.encodings.every((e) => (e.active ?? true) === active)) return;
  for (const encoding of parameters.encodings) encoding.active = active;
  await sender.setParameters(parameters);
}

/** Resolves when `previous` does (it never rejects), or after `ms` if it has not. */
function settledWithin(previous: Promise<void>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    void previous.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export interface SfuSessionOptions {
  epoch: number;
  routerRtpCapabilities: MediasoupObject;
  send(message: ClientMessage): boolean;
  requests: SfuRequests;
  /** The local tracks to send now (the screen while one is shared). */
  localTracks(): Partial<Record<MediaSlot, MediaStreamTrack | null>>;
  /** Kinds the user muted (their producers start paused). */
  muted(kind: MediaKind): boolean;
  tilePreference(peerId: string): TilePreference | undefined;
  iceServers: RTCIceServer[];
  iceTransportPolicy: RTCIceTransportPolicy;
  callbacks: SfuSessionCallbacks;
  /** Warm standby (see `activate`): build everything, send nothing. */
  standby?: boolean;
}

interface RemoteConsumer {
  consumer: types.Consumer;
  peerId: string;
  source: TrackSource;
  /** The engine has been given its track (it carries media). */
  delivered: boolean;
}

/** One remote track arriving through the SFU, with its receiver's stats. */
export interface SfuReceiver {
  peerId: string;
  kind: MediaKind;
  source: TrackSource;
  track: MediaStreamTrack;
  getStats(): Promise<RTCStatsReport>;
}

export class SfuSession {
  readonly epoch: number;
  private readonly device = new Device();
  private sendTransport: types.Transport | null = null;
  private recvTransport: types.Transport | null = null;
  private readonly producers = new Map<MediaSlot, types.Producer>();
  /** Per producer, the last track swap queued (see putTrack). */
  private readonly swaps = new WeakMap<types.Producer, Promise<void>>();
  /** Slots being produced right now (produce is async). */
  private readonly producing = new Set<MediaSlot>();
  private readonly consumers = new Map<string, RemoteConsumer>();
  /** Consumers announced before the receive transport existed locally. */
  private readonly early: SfuConsumerOptions[] = [];
  private closed = false;
  private standby: boolean;
  private readonly cb: SfuSessionCallbacks;

  constructor(private readonly o: SfuSessionOptions) {
    this.epoch = o.epoch;
    this.cb = o.callbacks;
    this.standby = o.standby === true;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * A warm standby: transports are connected and producers negotiated, but every producer's sender carries no
   * track (nothing leaves the browser) and the server keeps our consumers paused. The peer connections carry
   * the call meanwhile; they share the local tracks, which is why the tracks are never disabled from here.
   */
  get isStandby(): boolean {
    return this.standby;
  }

  /** The room moved onto the SFU: the producers' senders get their tracks (a video encoder starts on a key frame). */
  activate(): void {
    if (!this.standby || this.closed) return;
    this.standby = false;
    for (const [slot, producer] of this.producers) void this.putTrack(slot, producer);
    void this.ensureProducing();
  }

  /**
   * Gives the producer's sender what it should carry now (`sendingTrack`), after any swap still under way.
   * mediasoup-client compares with the producer's current track before it queues a replace, so a swap issued
   * while another is pending could be dropped as "the same track" and the pending one win: a standby's null
   * applied after its activation left a microphone silent on the SFU. Each swap reads what to send on its turn.
   * A swap waits for the one before it at most SWAP_WAIT_MS: mediasoup-client queues a replace behind the
   * transport's pending produce calls, and one that never settles must not hold a mute or an activation forever.
   */
  private putTrack(slot: MediaSlot, producer: types.Producer): Promise<void> {
    const previous = this.swaps.get(producer) ?? Promise.resolve();
    const next = settledWithin(previous, SWAP_WAIT_MS).then(async () => {
      if (producer.closed) return;
      const track = this.sendingTrack(slot, producer);
      // The encoding goes on before a track goes in, and off only after the track is out. The null track alone
      // silences Chromium's audio and every video sender; the encoding's switch only stops Firefox's Opus
      // silence, so a refusal is ignored either way (and never keeps a track out).
      if (track !== null) await setSenderActive(producer, true).catch(() => {});
      if (producer.track !== track) await producer.replaceTrack({ track });
      if (track === null) await setSenderActive(producer, false).catch(() => {});
    });
    const settled = next.catch(() => {});
    this.swaps.set(producer, settled);
    return settled;
  }

  /** What a producer's sender should carry now: nothing in standby or while paused (muted). */
  private sendingTrack(slot: MediaSlot, producer: types.Producer): MediaStreamTrack | null {
    return this.standby || producer.paused ? null : (this.o.localTracks()[slot] ?? null);
  }

  /** Loads the device, creates both transports, says `sfu-ready` and sends the local media. */
  async start(): Promise<void> {
    await this.device.load({
      routerRtpCapabilities: this.o.routerRtpCapabilities as unknown as types.RtpCapabilities,
    });
    if (this.closed) return;
    const [send, recv] = await Promise.all([this.createTransport('send'), this.createTransport('recv')]);
    if (this.closed) return;
    this.sendTransport = this.device.createSendTransport({
      ...(send as unknown as types.TransportOptions),
      iceServers: this.o.iceServers,
      iceTransportPolicy: this.o.iceTransportPolicy,
    });
    this.recvTransport = this.device.createRecvTransport({
      ...(recv as unknown as types.TransportOptions),
      iceServers: this.o.iceServers,
      iceTransportPolicy: this.o.iceTransportPolicy,
    });
    for (const t of [this.sendTransport, this.recvTransport]) {
      t.on('connect', ({ dtlsParameters }, callback, errback) => {
        this.o.requests
          .request(
            {
              type: 'sfu-transport-connect',
              transportId: t.id,
              dtlsParameters: dtlsParameters as unknown as MediasoupObject,
            },
            'sfu-done',
          )
          .then(() => callback(), errback);
      });
    }
    this.sendTransport.on('produce', ({ kind, rtpParameters, appData }, callback, errback) => {
      this.o.requests
        .request(
          {
            type: 'sfu-produce',
            transportId: this.sendTransport!.id,
            kind,
            ...(appData.source === 'screen' ? { source: 'screen' as const } : {}),
            rtpParameters: rtpParameters as unknown as MediasoupObject,
          },
          'sfu-produced',
        )
        .then((reply) => callback({ id: reply.producerId }), errback);
    });
    this.o.send({
      type: 'sfu-ready',
      rtpCapabilities: this.device.rtpCapabilities as unknown as MediasoupObject,
    });
    for (const early of this.early.splice(0)) this.handleConsume(early);
    await this.ensureProducing();
  }

  /** Sends every local track not sent yet (at start, after a device switch adds a kind, after consent). */
  async ensureProducing(): Promise<void> {
    const tracks = this.o.localTracks();
    await Promise.all(
      (['audio', 'video', 'screen'] as const).map(async (slot) => {
        const track = tracks[slot];
        const kind: MediaKind = slot === 'audio' ? 'audio' : 'video';
        if (!track || this.producers.has(slot) || this.producing.has(slot) || !this.sendTransport) return;
        if (!this.device.canProduce(kind)) return;
        this.producing.add(slot);
        try {
          const producer = await this.sendTransport.produce({
            track,
            // The same track feeds peer connections during a migration: never stop or disable it from here.
            stopTracks: false,
            disableTrackOnPause: false,
            ...(slot === 'video' ? { encodings: simulcastEncodings(track.getSettings().width) } : {}),
            // A screen is one full-size layer: its detail is the point, and receivers show it large.
            ...(slot === 'screen'
              ? { encodings: [{ maxBitrate: SCREEN_MAX_BITRATE }], appData: { source: 'screen' } }
              : {}),
            ...(slot === 'audio' ? { codecOptions: { opusDtx: true, opusFec: true } } : {}),
          });
          if (this.closed || (slot === 'screen' && this.o.localTracks().screen !== track)) {
            producer.close();
            if (!this.closed) this.closeOnServer(producer);
            return;
          }
          this.producers.set(slot, producer);
          // A standby producer was negotiated with the track (mediasoup-client needs one) and sends none: the
          // session is reported in standby only once its senders carry nothing.
          if (this.standby) await this.putTrack(slot, producer);
          if (this.closed) return;
          if (slot === 'screen') {
            if (producer.rtpSender) preferResolution(producer.rtpSender);
          } else if (this.o.muted(slot)) this.setPaused(slot, true);
        } catch (err) {
          if (this.closed) return;
          // Refused until consent is given: the server sends the session again when the gate opens.
          if (err instanceof SfuRequestError && err.code === 'CONSENT_REQUIRED') return;
          this.cb.error('NEGOTIATION_FAILED', `sending ${slot} through the SFU failed: ${String(err)}`);
        } finally {
          this.producing.delete(slot);
        }
      }),
    );
  }

  /**
   * The local media changed (device switch, a screen shared or stopped): swap tracks in place, start sending new
   * ones. A screen no longer shared closes its producer, so every receiver's consumer closes with it.
   */
  setLocalTracks(): void {
    const tracks = this.o.localTracks();
    for (const [slot, producer] of this.producers) {
      if (slot === 'screen' && !tracks.screen) {
        this.producers.delete(slot);
        producer.close();
        this.closeOnServer(producer);
        continue;
      }
      // A paused (muted) or standby producer keeps sending nothing: its sender's track stays null.
      void this.putTrack(slot, producer);
    }
    void this.ensureProducing();
  }

  private closeOnServer(producer: types.Producer): void {
    this.o.requests
      .request({ type: 'sfu-producer-close', producerId: producer.id }, 'sfu-done')
      .catch(() => {}); // the session closed meanwhile: the server closed it with our transports
  }

  /**
   * Mute / camera off: the sender's track is replaced with null (nothing leaves the browser), and the server
   * pauses the producer and tells receivers.
   */
  setPaused(kind: MediaKind, paused: boolean): void {
    const producer = this.producers.get(kind);
    if (!producer || producer.paused === paused) return;
    if (paused) producer.pause();
    else producer.resume();
    void this.putTrack(kind, producer);
    this.o.send({ type: 'sfu-producer-pause', producerId: producer.id, paused });
  }

  /** Input: `sfu-consume`. Creates the consumer locally, asks the server to resume it, delivers on first media. */
  handleConsume(options: SfuConsumerOptions): void {
    if (this.closed) return;
    const recv = this.recvTransport;
    if (!recv) {
      this.early.push(options);
      return;
    }
    void (async () => {
      try {
        const consumer = await recv.consume({
          id: options.id,
          producerId: options.producerId,
          kind: options.kind,
          rtpParameters: options.rtpParameters as unknown as types.RtpParameters,
        });
        if (this.closed) {
          consumer.close();
          return;
        }
        const entry: RemoteConsumer = {
          consumer,
          peerId: options.peerId,
          source: options.source,
          delivered: false,
        };
        this.consumers.set(consumer.id, entry);
        const track = consumer.track;
        const deliver = () => {
          if (entry.delivered || consumer.closed || this.closed) return;
          entry.delivered = true;
          this.cb.track(entry.peerId, track, entry.source);
        };
        // A remote track stays muted until its first packet, and video shows nothing until a key frame is
        // decoded: hand it over only then, so the engine never swaps a working path for a blank one.
        const ready = () =>
          options.kind === 'video' ? void this.afterFirstFrame(consumer, deliver) : deliver();
        if (track.muted) track.addEventListener('unmute', ready, { once: true });
        else ready();
        this.o.send({ type: 'sfu-consumer-resume', consumerId: consumer.id });
        if (options.kind === 'video' && options.source === 'camera') this.sendPreference(entry);
      } catch (err) {
        if (!this.closed)
          this.cb.error('NEGOTIATION_FAILED', `receiving through the SFU failed: ${String(err)}`);
      }
    })();
  }

  handleConsumerClosed(consumerId: string): void {
    const entry = this.consumers.get(consumerId);
    if (!entry) return;
    this.consumers.delete(consumerId);
    entry.consumer.close();
    if (entry.delivered) this.cb.trackEnded(entry.peerId, entry.consumer.track);
  }

  handleConsumerPaused(consumerId: string, paused: boolean): void {
    const entry = this.consumers.get(consumerId);
    if (entry) this.cb.paused(entry.peerId, entry.consumer.kind as MediaKind, paused);
  }

  /** The UI's tile for `peerId` changed size or visibility. */
  setPreference(peerId: string): void {
    for (const entry of this.consumers.values()) {
      // The camera tile's size; a screen is shown large and keeps its one layer (no preference: visible).
      if (entry.peerId === peerId && entry.consumer.kind === 'video' && entry.source === 'camera')
        this.sendPreference(entry);
    }
  }

  /** Whether `track` is one of ours (an SFU consumer's). */
  owns(track: MediaStreamTrack): boolean {
    for (const e of this.consumers.values()) if (e.consumer.track === track) return true;
    return false;
  }

  /** Consumers and their receivers, for stats. */
  receivers(): SfuReceiver[] {
    return [...this.consumers.values()].map((e) => ({
      peerId: e.peerId,
      kind: e.consumer.kind as MediaKind,
      source: e.source,
      track: e.consumer.track,
      getStats: () => e.consumer.getStats(),
    }));
  }

  /** Our two transports' stats (bytes sent and received), for measurements. */
  async transportStats(): Promise<{ send: RTCStatsReport | null; recv: RTCStatsReport | null }> {
    const [send, recv] = await Promise.all([
      this.sendTransport?.getStats().catch(() => null) ?? null,
      this.recvTransport?.getStats().catch(() => null) ?? null,
    ]);
    return { send, recv };
  }

  /** Closes the transports (and with them producers and consumers). The engine sends `sfu-close` if needed. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.early.length = 0;
    this.sendTransport?.close();
    this.recvTransport?.close();
    this.consumers.clear();
    this.producers.clear();
  }

  /** Calls `then` once the consumer decoded a frame (first-frame.ts), or gave up waiting. */
  private async afterFirstFrame(consumer: types.Consumer, then: () => void): Promise<void> {
    await firstFrameDecoded(consumer, () => consumer.closed || this.closed);
    then();
  }

  private async createTransport(direction: 'send' | 'recv'): Promise<SfuTransportOptions> {
    const reply = await this.o.requests.request({ type: 'sfu-transport-create', direction }, 'sfu-transport');
    return reply.transport;
  }

  private sendPreference(entry: RemoteConsumer): void {
    const pref = this.o.tilePreference(entry.peerId);
    if (!pref) return;
    this.o.send({
      type: 'sfu-consumer-preference',
      consumerId: entry.consumer.id,
      visible: pref.visible,
      width: Math.max(0, Math.min(10_000, Math.round(pref.width))),
    });
  }
}
