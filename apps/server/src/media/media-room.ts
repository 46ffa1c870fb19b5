import {
  ErrorCode,
  type MediaKind,
  type MediasoupObject,
  mayShareScreen,
  type ServerMessage,
  type SfuTransportOptions,
  type TrackSource,
  type TransportDirection,
} from '@consulta/protocol';
import type { FastifyBaseLogger } from 'fastify';
import { AppError } from '../errors.ts';
import type { Room } from '../signaling/room.ts';
import { ActiveSpeaker } from './active-speaker.ts';
import { chooseLayer } from './layers.ts';
import {
  type ActiveSpeakerObserver,
  type AudioLevelObserver,
  type DtlsParameters,
  mediaCodecs,
  type Producer,
  type Router,
  type RtpCapabilities,
  type RtpParameters,
} from './mediasoup.ts';
import type { ConsultRoomHandle, HandleSource, RoomProducer } from './room-handle.ts';
import { type ConsumerEntry, SfuMember } from './sfu-member.ts';
import type { PooledWorker, WorkerPool } from './worker-pool.ts';

/**
 * How the room's audio levels are watched: the loudest producer over each 1.5 s, so the pauses between a
 * speaker's sentences keep the highlight and a room that fell quiet clears it (media.speechThresholdDbov).
 */
const LEVEL_INTERVAL_MS = 1500;

export interface MediaRoomDeps {
  pool: WorkerPool;
  log: FastifyBaseLogger;
  /** Producers + consumers on the room's worker past which new members go to another worker. */
  pipeThreshold: number;
  /** Audio averaging below this (dBov) over LEVEL_INTERVAL_MS counts as nobody speaking. */
  speechThresholdDbov: number;
}

interface ProducerEntry {
  producer: Producer;
  participantId: string;
  source: TrackSource;
  /** The same producer on the main router (itself, or its pipe there). */
  onMain: Producer;
}

/**
 * One consultation's SFU: a main router on one worker (plus routers on other workers for members placed there
 * when the main worker is loaded, linked by pipeToRouter), every member's transports, producers and consumers,
 * and an active-speaker observer. Talks to clients through the signaling Room. Created and closed by
 * MediaService; `epoch` names this incarnation (a worker restart makes a new one).
 */
export class MediaRoom implements HandleSource {
  readonly members = new Map<string, SfuMember>();
  /** Members that got this epoch's `sfu-session`. */
  readonly announced = new Set<string>();
  private readonly routers = new Map<PooledWorker, Router>();
  private readonly allProducers = new Map<string, ProducerEntry>();
  /** Producers piped to other routers, by `routerId|producerId`. */
  private readonly pipes = new Map<string, Promise<Producer>>();
  /** Consumers being created, by `participantId|producerId`: a producer is consumed once per member. */
  private readonly consuming = new Set<string>();
  private readonly speaker: ActiveSpeaker;
  private drainTimer: NodeJS.Timeout | null = null;
  closed = false;
  /**
   * Warm standby: the room is not on the SFU, but a waiting guest's admission is foreseen to take it there. Its
   * members build transports and producers (carrying no track), and every consumer stays paused, so nothing
   * flows until `activate()`; the active speaker is not announced.
   */
  standby = false;
  /** Told once when this incarnation closes (drained, room gone, or its worker died). */
  onClose: () => void = () => {};

  private constructor(
    readonly room: Room,
    readonly epoch: number,
    readonly mainWorker: PooledWorker,
    readonly router: Router,
    private readonly observer: ActiveSpeakerObserver,
    private readonly levels: AudioLevelObserver,
    private readonly deps: MediaRoomDeps,
    /** Where the recording service listens; outlives this incarnation. */
    readonly handle: ConsultRoomHandle,
  ) {
    this.routers.set(mainWorker, router);
    this.speaker = new ActiveSpeaker((peerId) => {
      if (!this.closed && !this.standby) this.room.broadcast({ type: 'active-speaker', peerId });
    });
    const whose = (producerId: string) => this.allProducers.get(producerId)?.participantId ?? null;
    observer.on('dominantspeaker', ({ producer }) => this.speaker.dominantIs(whose(producer.id)));
    levels.on('silence', () => this.speaker.silence());
    levels.on('volumes', (volumes) => this.speaker.voices(whose(volumes[0]?.producer.id ?? '')));
  }

  static async create(
    room: Room,
    epoch: number,
    deps: MediaRoomDeps,
    handle: ConsultRoomHandle,
    standby = false,
  ): Promise<MediaRoom> {
    const worker = deps.pool.leastLoaded();
    if (!worker) throw new AppError(ErrorCode.SfuUnavailable, 'No media worker is running');
    const router = await deps.pool.createRouter(worker, { mediaCodecs });
    const observer = await router.createActiveSpeakerObserver({ interval: 300 });
    // A muted (paused) microphone sends nothing, which counts as quiet.
    const levels = await router.createAudioLevelObserver({
      maxEntries: 1,
      threshold: deps.speechThresholdDbov,
      interval: LEVEL_INTERVAL_MS,
    });
    const media = new MediaRoom(room, epoch, worker, router, observer, levels, deps, handle);
    media.standby = standby;
    return media;
  }

  get consultationId(): string {
    return this.room.consultationId;
  }

  get draining(): boolean {
    return this.drainTimer !== null;
  }

  sessionMessage(): ServerMessage {
    return {
      type: 'sfu-session',
      epoch: this.epoch,
      routerRtpCapabilities: this.router.rtpCapabilities as MediasoupObject,
      ...(this.standby ? { standby: true } : {}),
    };
  }

  /** The plan moved onto the SFU: standby ends; consumers resume and members are told (same epoch, no standby). */
  async activate(): Promise<void> {
    if (!this.standby) return;
    this.standby = false;
    this.announced.clear();
    await Promise.all([...this.members.values()].map((m) => this.applyLayers(m)));
  }

  /** The warning passed: members close their standby session (`sfu-standby-end`) and this room closes. */
  endStandby(): void {
    if (!this.standby || this.closed) return;
    for (const participantId of this.announced)
      this.room.send(participantId, { type: 'sfu-standby-end', epoch: this.epoch });
    this.close();
  }

  /** Sends this epoch's `sfu-session` to a member (again, on resume or when its media gate opens). */
  announce(participantId: string): void {
    if (this.room.send(participantId, this.sessionMessage())) this.announced.add(participantId);
  }

  producers(): RoomProducer[] {
    return [...this.allProducers.values()].map((e) => ({
      producer: e.onMain,
      participantId: e.participantId,
      source: e.source,
    }));
  }

  /** Whether any of this room's routers lives on `worker`. */
  usesWorker(worker: PooledWorker): boolean {
    return this.routers.has(worker);
  }

  // ---- client requests ------------------------------------------------------------------------------------

  async createTransport(participantId: string, direction: TransportDirection): Promise<SfuTransportOptions> {
    const member = await this.member(participantId);
    member.transports[direction]?.close(); // a client starting over replaces its transport
    member.transports[direction] = null;
    if (direction === 'recv') {
      member.consumers.clear();
      member.rtpCapabilities = null;
    } else member.producers.clear();
    const transport = await member.router.createWebRtcTransport({
      webRtcServer: member.worker.webRtcServer,
      enableUdp: true,
      enableTcp: true,
      preferUdp: true,
      initialAvailableOutgoingBitrate: 1_000_000,
    });
    if (this.closed || this.members.get(participantId) !== member) {
      transport.close();
      throw new AppError(ErrorCode.NotOnSfu, 'The SFU session ended meanwhile');
    }
    member.transports[direction] = transport;
    return {
      id: transport.id,
      iceParameters: transport.iceParameters as unknown as MediasoupObject,
      iceCandidates: transport.iceCandidates as unknown as MediasoupObject[],
      dtlsParameters: transport.dtlsParameters as unknown as MediasoupObject,
    };
  }

  async connectTransport(participantId: string, transportId: string, dtls: MediasoupObject): Promise<void> {
    const { transport } = this.existing(participantId).transport(transportId);
    await refused(() => transport.connect({ dtlsParameters: dtls as unknown as DtlsParameters }));
  }

  async produce(
    participantId: string,
    transportId: string,
    kind: MediaKind,
    rtpParameters: MediasoupObject,
    source: TrackSource = 'camera',
  ): Promise<string> {
    const member = this.existing(participantId);
    const { transport, direction } = member.transport(transportId);
    if (direction !== 'send')
      throw new AppError(ErrorCode.ValidationFailed, 'Produce on your send transport');
    if (source === 'screen') this.checkScreenShare(participantId, kind);
    if (!this.room.mediaAllowed(participantId)) {
      throw new AppError(ErrorCode.ConsentRequired, 'Consent to the recording before sending media');
    }
    const producer = await refused(() =>
      transport.produce({ kind, rtpParameters: rtpParameters as unknown as RtpParameters }),
    );
    member.producers.set(producer.id, producer);
    const entry: ProducerEntry = { producer, participantId, source, onMain: producer };
    try {
      // Everything is available on the main router: the recorder and the speaker observer work there.
      entry.onMain = await this.onRouter(entry, this.router);
    } catch (err) {
      producer.close();
      member.producers.delete(producer.id);
      throw err;
    }
    this.allProducers.set(producer.id, entry);
    producer.observer.once('close', () => this.producerClosed(entry, member));
    if (kind === 'audio') {
      await this.observer.addProducer({ producerId: producer.id }).catch(() => {});
      await this.levels.addProducer({ producerId: producer.id }).catch(() => {});
    }
    this.handle.emit('producer-added', { producer: entry.onMain, participantId, source });
    for (const other of this.members.values()) {
      if (other !== member) await this.consume(other, entry);
    }
    return producer.id;
  }

  /** The member's receive transport is up: consume everything there is, and whatever comes later. */
  async ready(participantId: string, rtpCapabilities: MediasoupObject): Promise<void> {
    const member = this.existing(participantId);
    if (!member.transports.recv) {
      throw new AppError(ErrorCode.ValidationFailed, 'Create your receive transport first');
    }
    member.rtpCapabilities = rtpCapabilities as unknown as RtpCapabilities;
    await this.consumeAll(member);
  }

  async resumeConsumer(participantId: string, consumerId: string): Promise<void> {
    const entry = this.existing(participantId).consumer(consumerId);
    entry.clientResumed = true;
    await this.applyLayers(this.existing(participantId));
  }

  async setPreference(participantId: string, consumerId: string, visible: boolean, width: number) {
    const member = this.existing(participantId);
    member.consumer(consumerId).preference = { visible, width };
    await this.applyLayers(member);
  }

  async pauseProducer(participantId: string, producerId: string, paused: boolean): Promise<void> {
    const producer = this.existing(participantId).producer(producerId);
    // Consumers follow (mediasoup pauses them); their owners hear it through `producerpause`/`producerresume`.
    if (paused) await producer.pause();
    else await producer.resume();
  }

  /** The client stopped sending a track (a screen share ended): its consumers close, receivers are told. */
  closeProducer(participantId: string, producerId: string): void {
    this.existing(participantId).producer(producerId).close();
  }

  /** A screen: video only, and only from the roles that may share one (the room knows each member's role). */
  private checkScreenShare(participantId: string, kind: MediaKind): void {
    if (kind !== 'video') throw new AppError(ErrorCode.ValidationFailed, 'A shared screen is a video');
    const role = this.room.members.get(participantId)?.peer.role;
    if (!role || !mayShareScreen(role))
      throw new AppError(ErrorCode.Forbidden, 'Only clinic staff and colleagues can share a screen');
  }

  /** The member's downlink changed: its layers may move. */
  async bandwidthChanged(participantId: string): Promise<void> {
    const member = this.members.get(participantId);
    if (member) await this.applyLayers(member);
  }

  /** `sfu-close`, a leave or a timeout: close the member's transports (others' consumers of it close). */
  closeMember(participantId: string): void {
    const member = this.members.get(participantId);
    this.announced.delete(participantId);
    if (!member) return;
    this.members.delete(participantId);
    member.close();
    if (this.draining && ![...this.members.values()].some((m) => m.hasTransports)) this.close();
  }

  /** The recording service changed the member's media gate. */
  async refreshMember(participantId: string): Promise<void> {
    const member = this.members.get(participantId);
    if (!this.room.mediaAllowed(participantId)) {
      if (!member) return;
      for (const id of member.consumers.keys())
        this.room.send(participantId, { type: 'sfu-consumer-closed', consumerId: id });
      member.closeMedia();
      return;
    }
    if (member) await this.consumeAll(member);
    // The same epoch again: the client re-sends the tracks it could not send while the gate was closed.
    this.announce(participantId);
  }

  // ---- leaving the SFU -------------------------------------------------------------------------------------

  /** The room's plan left the SFU: keep serving clients still migrating off, for at most `graceMs`. */
  drain(graceMs: number): void {
    if (this.drainTimer || this.closed) return;
    if (![...this.members.values()].some((m) => m.hasTransports)) {
      this.close();
      return;
    }
    this.drainTimer = setTimeout(() => this.close(), graceMs);
    this.drainTimer.unref();
  }

  /** Back on the SFU before the grace ran out. */
  undrain(): void {
    if (this.drainTimer) clearTimeout(this.drainTimer);
    this.drainTimer = null;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.undrain();
    for (const m of this.members.values()) m.close();
    this.members.clear();
    for (const r of this.routers.values()) r.close();
    this.routers.clear();
    this.onClose();
  }

  // ---- internals --------------------------------------------------------------------------------------------

  private existing(participantId: string): SfuMember {
    const member = this.members.get(participantId);
    if (!member) throw new AppError(ErrorCode.NotFound, 'Create your SFU transports first');
    return member;
  }

  /** The member's SFU state; a new member is placed on the main worker, or another one when that is loaded. */
  private async member(participantId: string): Promise<SfuMember> {
    const existing = this.members.get(participantId);
    if (existing) return existing;
    let worker = this.mainWorker;
    if (this.expectedLoad(worker) > this.deps.pipeThreshold)
      worker = this.deps.pool.leastLoaded(worker) ?? worker;
    let router = this.routers.get(worker);
    if (!router) {
      router = await this.deps.pool.createRouter(worker, { mediaCodecs });
      if (this.closed) {
        router.close();
        throw new AppError(ErrorCode.NotOnSfu, 'The SFU session ended meanwhile');
      }
      // Two members may race here; the first router on a worker wins.
      const raced = this.routers.get(worker);
      if (raced) {
        router.close();
        router = raced;
      } else this.routers.set(worker, router);
    }
    const again = this.members.get(participantId);
    if (again) return again;
    const member = new SfuMember(participantId, router, worker);
    this.members.set(participantId, member);
    if (worker !== this.mainWorker) {
      this.deps.log.info(
        {
          consultationId: this.consultationId,
          participantId,
          slot: worker.slot,
          mainLoad: this.mainWorker.load,
        },
        'SFU member placed on another worker (main worker over media.pipeThreshold)',
      );
    }
    return member;
  }

  /**
   * A worker's load as placement sees it: what it carries, plus two producers for every member of this room
   * placed there that has not produced yet. When a room moves to the SFU all its members arrive at once, before
   * anyone produces; without the estimate they would all land on the main worker.
   */
  private expectedLoad(worker: PooledWorker): number {
    let pending = 0;
    for (const m of this.members.values()) if (m.worker === worker && m.producers.size === 0) pending += 2;
    return worker.load + pending;
  }

  private async consumeAll(member: SfuMember): Promise<void> {
    for (const entry of [...this.allProducers.values()]) {
      if (entry.participantId !== member.participantId) await this.consume(member, entry);
    }
  }

  /** Creates a paused consumer of `entry` for `member` and tells its client (`sfu-consume`). */
  private async consume(member: SfuMember, entry: ProducerEntry): Promise<void> {
    const recv = member.transports.recv;
    const caps = member.rtpCapabilities;
    const key = `${member.participantId}|${entry.producer.id}`;
    if (!recv || !caps || entry.producer.closed) return;
    if (!this.room.mediaAllowed(member.participantId)) return;
    if (this.consuming.has(key) || member.consumes(entry.producer.id)) return;
    this.consuming.add(key);
    try {
      const source = await this.onRouter(entry, member.router);
      if (!member.router.canConsume({ producerId: source.id, rtpCapabilities: caps })) {
        this.deps.log.info({ participantId: member.participantId }, 'client cannot consume a producer');
        return;
      }
      const consumer = await recv.consume({ producerId: source.id, rtpCapabilities: caps, paused: true });
      if (recv.closed || member.transports.recv !== recv) {
        consumer.close();
        return;
      }
      const ce: ConsumerEntry = {
        consumer,
        peerId: entry.participantId,
        clientResumed: false,
        preference: null,
      };
      member.consumers.set(consumer.id, ce);
      const gone = () => {
        if (member.consumers.delete(consumer.id))
          this.room.send(member.participantId, { type: 'sfu-consumer-closed', consumerId: consumer.id });
      };
      consumer.on('producerclose', gone);
      consumer.on('transportclose', () => member.consumers.delete(consumer.id));
      const paused = (p: boolean) => () =>
        this.room.send(member.participantId, {
          type: 'sfu-consumer-paused',
          consumerId: consumer.id,
          paused: p,
        });
      consumer.on('producerpause', paused(true));
      consumer.on('producerresume', paused(false));
      this.room.send(member.participantId, {
        type: 'sfu-consume',
        consumer: {
          id: consumer.id,
          producerId: entry.producer.id,
          peerId: entry.participantId,
          kind: consumer.kind,
          source: entry.source,
          rtpParameters: consumer.rtpParameters as unknown as MediasoupObject,
        },
      });
      if (consumer.producerPaused) paused(true)();
    } catch (err) {
      // The producer or the transport closed meanwhile: nothing to consume.
      this.deps.log.info({ err, participantId: member.participantId }, 'SFU consumer not created');
    } finally {
      this.consuming.delete(key);
    }
  }

  /** The producer as seen on `router`: itself, or piped there once (later calls reuse the pipe). */
  private onRouter(entry: ProducerEntry, router: Router): Promise<Producer> {
    const home = this.members.get(entry.participantId)?.router;
    if (!home || home === router) return Promise.resolve(entry.producer);
    const key = `${router.id}|${entry.producer.id}`;
    let piped = this.pipes.get(key);
    if (!piped) {
      piped = home.pipeToRouter({ producerId: entry.producer.id, router }).then(({ pipeProducer }) => {
        if (!pipeProducer) throw new Error('pipeToRouter returned no producer');
        pipeProducer.observer.once('close', () => this.pipes.delete(key));
        return pipeProducer;
      });
      piped.catch(() => this.pipes.delete(key));
      this.pipes.set(key, piped);
    }
    return piped;
  }

  /** Applies the layer choice (and pause for hidden tiles) to every video consumer of `member`. */
  private async applyLayers(member: SfuMember): Promise<void> {
    const downlink = this.room.members.get(member.participantId)?.peer.downlinkKbps ?? null;
    const videos = [...member.consumers.values()].filter((e) => e.consumer.kind === 'video');
    const visibleVideos = videos.filter((e) => e.preference?.visible !== false).length;
    await Promise.all(
      [...member.consumers.values()].map(async (e) => {
        const { consumer } = e;
        if (consumer.closed) return;
        let hidden = false;
        if (consumer.kind === 'video') {
          const choice = chooseLayer({
            visible: e.preference?.visible ?? true,
            width: e.preference?.width ?? 0,
            downlinkKbps: downlink,
            visibleVideos,
          });
          hidden = choice.paused;
          if (
            consumer.type === 'simulcast' &&
            consumer.preferredLayers?.spatialLayer !== choice.spatialLayer
          ) {
            await consumer.setPreferredLayers({ spatialLayer: choice.spatialLayer }).catch(() => {});
          }
        }
        const pause = !e.clientResumed || hidden || this.standby;
        if (pause && !consumer.paused) await consumer.pause().catch(() => {});
        else if (!pause && consumer.paused) await consumer.resume().catch(() => {});
      }),
    );
  }

  private producerClosed(entry: ProducerEntry, member: SfuMember): void {
    member.producers.delete(entry.producer.id);
    if (this.allProducers.get(entry.producer.id) !== entry) return;
    this.allProducers.delete(entry.producer.id);
    if (!this.closed)
      this.handle.emit('producer-removed', {
        producer: entry.onMain,
        participantId: entry.participantId,
        source: entry.source,
      });
    if (entry.producer.kind === 'audio' && entry.source === 'camera') this.speaker.gone(entry.participantId);
  }
}

/** Runs a mediasoup call whose failure means the client's parameters were refused. */
async function refused<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError(ErrorCode.ValidationFailed, 'The SFU refused these parameters');
  }
}
