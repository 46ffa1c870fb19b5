import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { type ClusterEnvelope, type ClusterMessage, isClusterEnvelope } from '@consulta/protocol';
import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';

export interface BusOptions {
  /** Publishes (the node's ordinary connection). */
  redis: Redis;
  /** A connection of its own: a subscribed ioredis client can do nothing else. */
  subscriber: Redis;
  /** Channels are not covered by ioredis' keyPrefix; they get the same prefix here. */
  prefix: string;
  nodeId: string;
  secret: string;
  maxAgeMs: number;
  log: FastifyBaseLogger;
}

export type BusHandler = (from: string, body: ClusterMessage) => void;

/** Why a frame was dropped (counted, for tests and logs). */
export type DropReason = 'signature' | 'malformed' | 'stale' | 'replay';

/**
 * Node-to-node messages over Redis pub/sub: one channel per node and one for all. Redis is shared infrastructure,
 * so every frame is `<HMAC-SHA-256>.<json>`, signed with cluster.secret over the exact JSON text, and carries its
 * sender, time and a nonce: receivers drop forged, malformed, stale and replayed frames before reading them.
 */
export class Bus {
  private readonly seen = new Map<string, number>();
  private handler: BusHandler = () => {};
  readonly dropped: Record<DropReason, number> = { signature: 0, malformed: 0, stale: 0, replay: 0 };

  private constructor(private readonly o: BusOptions) {}

  static async start(o: BusOptions): Promise<Bus> {
    const bus = new Bus(o);
    o.subscriber.on('messageBuffer', (_channel: Buffer, raw: Buffer) => bus.receive(raw.toString()));
    await o.subscriber.subscribe(bus.channel(o.nodeId), bus.channel(null));
    return bus;
  }

  onMessage(handler: BusHandler): void {
    this.handler = handler;
  }

  /** To one node; resolves with how many subscribers got it (0: that node is not listening, so not alive). */
  send(node: string, body: ClusterMessage): Promise<number> {
    return this.o.redis.publish(this.channel(node), this.seal(body));
  }

  broadcast(body: ClusterMessage): Promise<number> {
    return this.o.redis.publish(this.channel(null), this.seal(body));
  }

  /** The channel of a node (null: every node's). */
  channel(node: string | null): string {
    return `${this.o.prefix}cluster:${node === null ? 'all' : `node:${node}`}`;
  }

  seal(body: ClusterMessage): string {
    const envelope: ClusterEnvelope = {
      from: this.o.nodeId,
      at: Date.now(),
      nonce: randomBytes(12).toString('hex'),
      body,
    };
    const json = JSON.stringify(envelope);
    return `${sign(this.o.secret, json)}.${json}`;
  }

  private receive(frame: string): void {
    const checked = this.check(frame);
    if (typeof checked === 'string') {
      this.dropped[checked] += 1;
      this.o.log.warn({ reason: checked }, 'dropped a cluster message');
      return;
    }
    if (checked.from === this.o.nodeId) return; // our own broadcast
    try {
      this.handler(checked.from, checked.body);
    } catch (err) {
      this.o.log.error({ err, type: checked.body.type }, 'cluster message handler failed');
    }
  }

  /** The frame's envelope if it is genuine, fresh and new; else why not. */
  private check(frame: string): ClusterEnvelope | DropReason {
    const dot = frame.indexOf('.');
    const json = frame.slice(dot + 1);
    if (dot <= 0 || !sameSignature(frame.slice(0, dot), sign(this.o.secret, json))) return 'signature';
    let envelope: unknown;
    try {
      envelope = JSON.parse(json);
    } catch {
      return 'malformed';
    }
    if (!isClusterEnvelope(envelope)) return 'malformed';
    const now = Date.now();
    if (Math.abs(now - envelope.at) > this.o.maxAgeMs) return 'stale';
    if (this.seen.has(envelope.nonce)) return 'replay';
    this.remember(envelope.nonce, now);
    return envelope;
  }

  /** Nonces are kept as long as their message could still pass the age check; older ones are stale anyway. */
  private remember(nonce: string, now: number): void {
    this.seen.set(nonce, now);
    for (const [n, at] of this.seen) {
      if (now - at <= 2 * this.o.maxAgeMs) break; // insertion order is arrival order
      this.seen.delete(n);
    }
  }
}

function sign(secret: string, json: string): string {
  return createHmac('sha256', secret).update(json).digest('base64url');
}

function sameSignature(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
