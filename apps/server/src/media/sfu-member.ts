import { ErrorCode, type TransportDirection } from '@consulta/protocol';
import { AppError } from '../errors.ts';
import type { Consumer, Producer, Router, RtpCapabilities, WebRtcTransport } from './mediasoup.ts';
import type { PooledWorker } from './worker-pool.ts';

/** A consumer and what its receiver asked of it. */
export interface ConsumerEntry {
  consumer: Consumer;
  /** Whose media it carries. */
  peerId: string;
  /** The client created its side and asked for media (`sfu-consumer-resume`). */
  clientResumed: boolean;
  /** Last `sfu-consumer-preference`; null until one arrives (treated as visible, width unknown). */
  preference: { visible: boolean; width: number } | null;
}

/** One participant's SFU state: its two transports on its router, what it sends and what it receives. */
export class SfuMember {
  readonly transports: Record<TransportDirection, WebRtcTransport | null> = { send: null, recv: null };
  readonly producers = new Map<string, Producer>();
  readonly consumers = new Map<string, ConsumerEntry>();
  /** From `sfu-ready`: the client can receive; consumers are created for it from then on. */
  rtpCapabilities: RtpCapabilities | null = null;

  constructor(
    readonly participantId: string,
    readonly router: Router,
    readonly worker: PooledWorker,
  ) {}

  transport(transportId: string): { transport: WebRtcTransport; direction: TransportDirection } {
    for (const direction of ['send', 'recv'] as const) {
      const transport = this.transports[direction];
      if (transport?.id === transportId) return { transport, direction };
    }
    throw new AppError(ErrorCode.NotFound, 'No such SFU transport of yours');
  }

  consumer(consumerId: string): ConsumerEntry {
    const entry = this.consumers.get(consumerId);
    if (!entry) throw new AppError(ErrorCode.NotFound, 'No such SFU consumer of yours');
    return entry;
  }

  producer(producerId: string): Producer {
    const producer = this.producers.get(producerId);
    if (!producer) throw new AppError(ErrorCode.NotFound, 'No such SFU producer of yours');
    return producer;
  }

  consumes(producerId: string): boolean {
    for (const e of this.consumers.values()) if (e.consumer.producerId === producerId) return true;
    return false;
  }

  get hasTransports(): boolean {
    return this.transports.send !== null || this.transports.recv !== null;
  }

  /** Closes what this member sends and receives (its transports stay). */
  closeMedia(): void {
    for (const p of this.producers.values()) p.close();
    for (const e of this.consumers.values()) e.consumer.close();
    this.producers.clear();
    this.consumers.clear();
  }

  /** Closes everything: transports, and with them producers and consumers. */
  close(): void {
    this.closeMedia();
    this.transports.send?.close();
    this.transports.recv?.close();
    this.transports.send = null;
    this.transports.recv = null;
    this.rtpCapabilities = null;
  }
}
