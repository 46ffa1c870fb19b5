import { EventEmitter } from 'node:events';
import type { TrackSource } from '@consulta/protocol';
import type { Producer, Router } from './mediasoup.ts';

/** One participant's media entering the SFU. */
export interface RoomProducer {
  producer: Producer;
  participantId: string;
  /** A camera/microphone, or a shared screen (recorded as its own video track). */
  source: TrackSource;
}

export interface RoomHandleEvents {
  /** A participant started sending a track (it lives on `router`, or was piped there). */
  'producer-added': [RoomProducer];
  /** That track stopped (muting pauses a producer, it does not remove it). */
  'producer-removed': [RoomProducer];
  /**
   * The worker under the room died and the room was re-created on another one: every producer, transport and
   * consumer of the old router is gone; `router` is the new one and producers arrive again as clients re-send.
   */
  'router-replaced': [Router];
  /** The room left the SFU for good (its router is closed). */
  closed: [];
}

/**
 * What the recording service needs of a consultation's SFU room (`ctx.media.roomHandle(consultationId)`):
 * the router every participant's media is available on (members placed on other workers have their producers
 * piped to it), so PlainTransports created on it can consume any producer listed in `producers()`.
 * Subscribe before reading `producers()` so no producer is missed in between. The handle goes stale after
 * `closed`; ask for a new one.
 */
export interface RoomHandle extends EventEmitter<RoomHandleEvents> {
  readonly consultationId: string;
  /** The room's main router (changes on `router-replaced`). */
  readonly router: Router;
  /** Every live producer, each usable on `router`. */
  producers(): RoomProducer[];
}

/** The handle's source: the room incarnation currently serving the consultation. */
export interface HandleSource {
  readonly router: Router;
  producers(): RoomProducer[];
}

/** One handle per consultation's stay on the SFU; survives worker restarts (the source is swapped). */
export class ConsultRoomHandle extends EventEmitter<RoomHandleEvents> implements RoomHandle {
  constructor(
    readonly consultationId: string,
    public source: HandleSource,
  ) {
    super();
  }

  get router(): Router {
    return this.source.router;
  }

  producers(): RoomProducer[] {
    return this.source.producers();
  }
}
