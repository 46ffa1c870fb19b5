import {
  ErrorCode,
  type MediaKind,
  type MediasoupObject,
  type SfuTransportOptions,
  type TrackSource,
  type TransportDirection,
} from '@consulta/protocol';
import type { FastifyBaseLogger } from 'fastify';
import type { AppConfig } from '../config/index.ts';
import { AppError } from '../errors.ts';
import type { Room } from '../signaling/room.ts';
import type { RoomObserver } from '../signaling/rooms.ts';
import { MediaRoom } from './media-room.ts';
import { ConsultRoomHandle, type RoomHandle } from './room-handle.ts';
import { SfuStandby } from './standby.ts';
import { type PooledWorker, WorkerPool } from './worker-pool.ts';

/**
 * The server's SFU (`ctx.media`): mediasoup workers, one MediaRoom per consultation while its plan is `sfu`
 * (and for `media.migrationGraceSeconds` after it left), the sfu-* requests of clients, and the room handles the
 * recording service builds on. Without a working SFU (disabled, or no worker would start) `available` is false,
 * the policy never picks `sfu` and every request gets SFU_UNAVAILABLE.
 */
export class MediaService implements RoomObserver {
  private readonly rooms = new Map<string, MediaRoom>();
  private readonly creating = new Map<string, Promise<MediaRoom>>();
  private readonly handles = new Map<string, ConsultRoomHandle>();
  /** Last epoch used per consultation, so a client never sees an epoch twice for different routers. */
  private readonly epochs = new Map<string, number>();
  private readonly standby: SfuStandby;

  private constructor(
    private readonly pool: WorkerPool | null,
    private readonly config: AppConfig['media'],
    private readonly log: FastifyBaseLogger,
  ) {
    if (pool) pool.onReplaced = (dead, fresh) => this.workerReplaced(dead, fresh);
    this.standby = new SfuStandby({
      room: (consultationId) => this.rooms.get(consultationId),
      open: (room) => this.ensureRoom(room, true),
      // A bound on what standby costs: none is built on workers carrying more than a room is piped at.
      hasCapacity: () => (pool?.leastLoaded()?.load ?? Number.POSITIVE_INFINITY) <= config.pipeThreshold,
      log,
    });
  }

  /** Starts the worker pool; never throws: a server without an SFU still serves p2p and tree calls. */
  static async start(config: AppConfig['media'], log: FastifyBaseLogger): Promise<MediaService> {
    if (!config.enabled) {
      log.info('SFU disabled (media.enabled = false): no recording, large groups stay on trees');
      return new MediaService(null, config, log);
    }
    try {
      return new MediaService(await WorkerPool.start(config, log), config, log);
    } catch (err) {
      log.error({ err }, 'SFU unavailable: the mediasoup worker did not start; large groups stay on trees');
      return new MediaService(null, config, log);
    }
  }

  get available(): boolean {
    return this.pool !== null && this.pool.workers.length > 0;
  }

  /** SFU rooms held in warm standby now (metrics). */
  get standbyRooms(): number {
    let n = 0;
    for (const media of this.rooms.values()) if (media.standby) n++;
    return n;
  }

  /** The pooled workers (diagnostics and tests: pids, load). */
  get workers(): readonly PooledWorker[] {
    return this.pool?.workers ?? [];
  }

  /** For the recording service: the consultation's SFU room while it has one. See {@link RoomHandle}. */
  roomHandle(consultationId: string): RoomHandle | undefined {
    return this.rooms.has(consultationId) ? this.handles.get(consultationId) : undefined;
  }

  /** The recording service opened or closed a member's media gate (`room.mediaAllowed`). */
  async refreshMember(consultationId: string, participantId: string): Promise<void> {
    await this.rooms.get(consultationId)?.refreshMember(participantId);
  }

  // ---- hooks from Rooms -------------------------------------------------------------------------------------

  /**
   * After a new plan went out: on `sfu`, make sure the room exists and everyone has the session; off it, start
   * draining. Never throws into signaling: a failure is logged and clients get SFU_UNAVAILABLE when they ask.
   */
  async planChanged(room: Room): Promise<void> {
    if (!this.available) return;
    if (room.plan.topology !== 'sfu') {
      const media = this.rooms.get(room.consultationId);
      // A standby stays until the foresight that asked for it changes (`foreseen` follows every plan).
      if (!media?.standby) media?.drain(this.config.migrationGraceSeconds * 1000);
      return;
    }
    try {
      const media = await this.ensureRoom(room);
      // From standby: the consumers resume while the members are told to put their tracks on (same epoch).
      this.standby.keep(room.consultationId);
      const activated = media.activate();
      media.undrain();
      for (const m of room.members.values()) {
        if (m.link && !media.announced.has(m.participantId)) media.announce(m.participantId);
      }
      await activated;
    } catch (err) {
      this.log.error({ err, consultationId: room.consultationId }, 'could not open the SFU room');
    }
  }

  /** The room's foresight changed: warm standby follows it (standby.ts). */
  foreseen(room: Room): void {
    if (this.available && this.config.standby) this.standby.foreseen(room);
  }

  /**
   * This node took the room over (cluster): the SFU the room used died or stopped with its node. On `sfu`, the
   * room gets an SFU room here, a later epoch than the snapshot's, and every connected member its session: they
   * drop the dead transports and build new ones, as after a worker's death. Members resuming later get theirs in
   * `memberJoined`.
   */
  async roomAdopted(room: Room): Promise<void> {
    if (room.plan.topology === 'sfu') await this.planChanged(room);
  }

  /** A member joined or resumed: on `sfu`, send it the session (again after a resume: it may have missed it). */
  async memberJoined(room: Room, participantId: string, resumed: boolean): Promise<void> {
    if (!this.available) return;
    if (room.plan.topology !== 'sfu') return this.standby.memberJoined(room, participantId, resumed);
    try {
      const media = await this.ensureRoom(room);
      if (resumed || !media.announced.has(participantId)) media.announce(participantId);
    } catch (err) {
      this.log.error({ err, consultationId: room.consultationId }, 'could not open the SFU room');
    }
  }

  /** A member left (or timed out, or was removed): its transports close; the last one out closes the room. */
  memberLeft(room: Room, participantId: string): void {
    const media = this.rooms.get(room.consultationId);
    media?.closeMember(participantId);
    if (room.members.size === 0) this.roomEnded(room.consultationId);
  }

  async memberUpdated(room: Room, participantId: string): Promise<void> {
    await this.rooms.get(room.consultationId)?.bandwidthChanged(participantId);
  }

  /** The consultation ended (or emptied): its SFU room closes now. */
  roomEnded(consultationId: string): void {
    this.rooms.get(consultationId)?.close();
    this.epochs.delete(consultationId);
  }

  // ---- client requests --------------------------------------------------------------------------------------

  async createTransport(
    room: Room,
    who: string,
    direction: TransportDirection,
  ): Promise<SfuTransportOptions> {
    const media = await this.serving(room);
    if ((room.plan.topology !== 'sfu' && !media.standby) || media.draining) {
      throw new AppError(ErrorCode.NotOnSfu, 'This consultation is leaving the SFU');
    }
    return media.createTransport(who, direction);
  }

  async connectTransport(room: Room, who: string, transportId: string, dtls: MediasoupObject) {
    await (await this.serving(room)).connectTransport(who, transportId, dtls);
  }

  async produce(
    room: Room,
    who: string,
    transportId: string,
    kind: MediaKind,
    rtp: MediasoupObject,
    source: TrackSource = 'camera',
  ) {
    return (await this.serving(room)).produce(who, transportId, kind, rtp, source);
  }

  async ready(room: Room, who: string, rtpCapabilities: MediasoupObject): Promise<void> {
    await (await this.serving(room)).ready(who, rtpCapabilities);
  }

  async resumeConsumer(room: Room, who: string, consumerId: string): Promise<void> {
    await (await this.serving(room)).resumeConsumer(who, consumerId);
  }

  async setPreference(room: Room, who: string, consumerId: string, visible: boolean, width: number) {
    await (await this.serving(room)).setPreference(who, consumerId, visible, width);
  }

  async pauseProducer(room: Room, who: string, producerId: string, paused: boolean): Promise<void> {
    await (await this.serving(room)).pauseProducer(who, producerId, paused);
  }

  async closeProducer(room: Room, who: string, producerId: string): Promise<void> {
    (await this.serving(room)).closeProducer(who, producerId);
  }

  /** `sfu-close`: the client is done with its transports. Nothing to close is fine (it may have been closed). */
  closeMember(room: Room, who: string): void {
    if (!this.available) throw new AppError(ErrorCode.SfuUnavailable, 'This server has no SFU');
    this.rooms.get(room.consultationId)?.closeMember(who);
  }

  close(): void {
    this.standby.close();
    for (const media of [...this.rooms.values()]) media.close();
    this.pool?.close();
  }

  // ---- internals --------------------------------------------------------------------------------------------

  /** The room's SFU incarnation for a client request, or the typed reason there is none. */
  private async serving(room: Room): Promise<MediaRoom> {
    if (!this.available) throw new AppError(ErrorCode.SfuUnavailable, 'This server has no SFU');
    const media = this.rooms.get(room.consultationId) ?? (await this.creating.get(room.consultationId));
    if (!media || media.closed) throw new AppError(ErrorCode.NotOnSfu, 'This consultation is not on the SFU');
    return media;
  }

  /** The room's SFU incarnation, created (in `standby` when asked) if there is none. */
  private ensureRoom(room: Room, standby = false): Promise<MediaRoom> {
    const id = room.consultationId;
    const existing = this.rooms.get(id);
    if (existing && !existing.closed) return Promise.resolve(existing);
    const pending = this.creating.get(id);
    if (pending) return pending;
    // After this process's last epoch and the room's (another node's, when the room changed owner).
    const epoch = Math.max(this.epochs.get(id) ?? -1, room.sfuEpoch ?? -1) + 1;
    this.epochs.set(id, epoch);
    room.sfuEpoch = epoch;
    const handle = this.handles.get(id) ?? placeholderHandle(id);
    const created = MediaRoom.create(room, epoch, this.roomDeps(), handle, standby)
      .then((media) => {
        handle.source = media;
        this.handles.set(id, handle);
        this.rooms.set(id, media);
        media.onClose = () => this.roomGone(media);
        this.log.info({ consultationId: id, epoch, slot: media.mainWorker.slot }, 'SFU room opened');
        return media;
      })
      .finally(() => this.creating.delete(id));
    this.creating.set(id, created);
    return created;
  }

  private roomDeps() {
    return {
      pool: this.pool!,
      log: this.log,
      pipeThreshold: this.config.pipeThreshold,
      speechThresholdDbov: this.config.speechThresholdDbov,
    };
  }

  /** An incarnation closed for good (drained or room gone): the recording service hears `closed`. */
  private roomGone(media: MediaRoom): void {
    const id = media.consultationId;
    if (this.rooms.get(id) !== media) return;
    this.rooms.delete(id);
    const handle = this.handles.get(id);
    this.handles.delete(id);
    handle?.emit('closed');
    handle?.removeAllListeners();
    this.log.info({ consultationId: id, epoch: media.epoch }, 'SFU room closed');
  }

  /**
   * A worker died. Every room with a router on it starts over on a live worker, as a new epoch: its members
   * get a new `sfu-session` and rebuild their transports; the recording service hears `router-replaced`.
   */
  private workerReplaced(dead: PooledWorker, fresh: PooledWorker | null): void {
    for (const media of [...this.rooms.values()]) {
      if (!media.usesWorker(dead)) continue;
      const id = media.consultationId;
      const handle = this.handles.get(id);
      // Detach first so closing this incarnation is not mistaken for the room leaving the SFU.
      this.rooms.delete(id);
      media.onClose = () => {};
      // A standby is not rebuilt on the fresh worker: its members drop it, and a later foresight builds anew.
      if (media.standby) media.endStandby();
      else media.close();
      const room = media.room;
      if (room.plan.topology !== 'sfu' || media.draining || !this.available) {
        handle?.emit('closed');
        this.handles.delete(id);
        continue;
      }
      this.ensureRoom(room).then(
        (next) => {
          this.log.warn(
            { consultationId: id, epoch: next.epoch, deadPid: dead.worker.pid, freshPid: fresh?.worker.pid },
            'SFU room re-created after its worker died',
          );
          handle?.emit('router-replaced', next.router);
          for (const m of room.members.values()) if (m.link) next.announce(m.participantId);
        },
        (err) => this.log.error({ err, consultationId: id }, 'could not re-create an SFU room'),
      );
    }
  }
}

/** A handle for a consultation's first incarnation; its source is set as soon as the room exists. */
function placeholderHandle(consultationId: string): ConsultRoomHandle {
  return new ConsultRoomHandle(consultationId, {
    get router(): never {
      throw new Error('the SFU room is still being created');
    },
    producers: () => [],
  });
}
