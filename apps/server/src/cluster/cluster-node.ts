import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import {
  CloseCode,
  type ClusterMessage,
  type ClusterMessageOf,
  type SnapshotSocket,
} from '@consulta/protocol';
import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';
import type { AppConfig } from '../config/index.ts';
import type { AppContext } from '../context.ts';
import type { Link } from '../signaling/link.ts';
import { Bus } from './bus.ts';
import { Gateway } from './gateway.ts';
import { NodeRegistry } from './node-registry.ts';
import { NodeOutbox } from './outbox.ts';
import { Ownership } from './ownership.ts';
import { RemoteLinks } from './remote-links.ts';
import { ClusterRoomCommands } from './room-commands.ts';
import { RoomLeases } from './room-lease.ts';
import { RoomStore } from './room-store.ts';

/**
 * This process as one node of a cluster (docs/cluster.md): registered in Redis, on the bus, owning some rooms
 * and holding some sockets. Built after the app's context; Rooms calls `persist` after every change.
 */
export class ClusterNode {
  private readonly ticker: NodeJS.Timeout;
  private ticking: Promise<void> | null = null;

  private constructor(
    readonly nodeId: string,
    readonly bus: Bus,
    private readonly registry: NodeRegistry,
    readonly ownership: Ownership,
    readonly gateway: Gateway,
    private readonly remote: RemoteLinks,
    readonly commands: ClusterRoomCommands,
    private readonly redis: Redis,
    private readonly subscriber: Redis,
    private readonly sessions: AppContext['sessions'],
    leaseMs: number,
    private readonly log: FastifyBaseLogger,
  ) {
    bus.onMessage((_from, body) => this.receive(body));
    this.ticker = setInterval(() => void this.tick(), leaseMs / 3);
    this.ticker.unref();
  }

  static async start(o: {
    config: AppConfig;
    redis: Redis;
    ctx: AppContext;
    log: FastifyBaseLogger;
  }): Promise<ClusterNode> {
    const { config, ctx, log } = o;
    const c = config.cluster;
    if (!c.secret) throw new Error('cluster.secret is required with redis.url');
    const nodeId =
      c.nodeId ?? `${hostname().replace(/[^A-Za-z0-9._-]/g, '-')}-${randomBytes(4).toString('hex')}`;
    // Connections of the cluster's own. While Redis is away their commands wait in the client (no retry limit)
    // and go out in order once it is back, so no snapshot write or message is dropped; reconnecting is tried
    // at least every 500 ms, so every node is back well within the quiet period after an outage.
    const redis = o.redis.duplicate({
      maxRetriesPerRequest: null,
      retryStrategy: (times: number) => Math.min(times * 50, 500),
    });
    redis.on('error', (err) => log.warn({ err: err.message }, 'cluster redis connection error'));
    await redis.connect();
    const subscriber = redis.duplicate();
    subscriber.on('error', (err) => log.warn({ err: err.message }, 'cluster redis subscriber error'));
    const bus = await Bus.start({
      redis,
      subscriber,
      prefix: config.redis.keyPrefix,
      nodeId,
      secret: c.secret,
      maxAgeMs: c.maxMessageAgeMs,
      log,
    });
    const registry = new NodeRegistry(redis, nodeId, c.leaseMs, config.server.publicUrl ?? '');
    await registry.start();
    const graceMs = config.signaling.reconnectGraceSeconds * 1000;
    const stateTtlMs = graceMs + c.leaseMs + 30_000;
    let gateway: Gateway | null = null;
    let remote: RemoteLinks | null = null;
    const socketOf = (link: Link, leaving: boolean): SnapshotSocket | null => {
      const ref = gateway!.refOf(link);
      if (leaving && ref.node === nodeId) return null;
      return { ...ref, sessionId: link.principal.sessionId, ip: link.ip };
    };
    const leases = new RoomLeases(redis, nodeId, c.leaseMs, stateTtlMs);
    const ownership = new Ownership({
      nodeId,
      rooms: ctx.rooms,
      leases,
      store: new RoomStore(redis, stateTtlMs),
      socketOf,
      linkOf: async (via, consultationId) => {
        if (via.node === nodeId) return gateway!.socket(via.linkId) ?? null;
        if (!(await registry.isAlive(via.node))) return null;
        return remote!.forSnapshot(via, consultationId);
      },
      lost: (consultationId) => gateway?.moved(consultationId),
      log,
    });
    gateway = new Gateway(nodeId, ctx, ownership, bus);
    const outbox = new NodeOutbox(
      bus,
      (node) => registry.isAlive(node),
      (node) => remote!.nodeGone(node),
      log,
    );
    const send = (node: string, body: ClusterMessageOf<'deliver'> | ClusterMessageOf<'close'>) =>
      outbox.send(node, body);
    remote = new RemoteLinks(
      ctx,
      gateway,
      {
        deliver: (consultationId, ref, message) => {
          ownership.hold(consultationId, () => {
            const fence = ownership.fenceOf(consultationId);
            if (fence !== undefined)
              send(ref.node, { type: 'deliver', consultationId, fence, linkId: ref.linkId, message });
          });
        },
        close: (consultationId, ref, code, reason) => {
          const fence = ownership.fenceOf(consultationId) ?? 1;
          send(ref.node, {
            type: 'close',
            consultationId,
            fence,
            linkId: ref.linkId,
            code,
            reason: reason.slice(0, 123),
          });
        },
      },
      log,
    );
    const commands = new ClusterRoomCommands(ctx.rooms, gateway);
    ctx.sessions.ended = (sessionIds, code, reason) =>
      void bus
        .broadcast({ type: 'sessions-ended', sessionIds, code, reason })
        .catch((err) => log.warn({ err }, 'could not tell other nodes of ended sessions'));
    log.info({ nodeId }, 'cluster node up');
    const node = new ClusterNode(
      nodeId,
      bus,
      registry,
      ownership,
      gateway,
      remote,
      commands,
      redis,
      subscriber,
      ctx.sessions,
      c.leaseMs,
      log,
    );
    // Back after Redis was unreachable (or restarted): register again and renew (or reclaim) every lease before
    // the quiet period ends, and take no room that may have a holder for a lease period (keys may be gone).
    redis.on('ready', () => {
      leases.strictUntil = Date.now() + c.leaseMs;
      log.warn({ nodeId }, 'cluster redis connection back; reclaiming leases');
      void registry.renew().catch(() => undefined);
      void node.tick();
    });
    return node;
  }

  /** Rooms' `changed` hook. */
  persist(consultationId: string): Promise<void> {
    return this.ownership.persist(consultationId);
  }

  /**
   * Shutdown (SIGTERM): hand every room over (state written, lease released), tell the other nodes, then close
   * this node's sockets with 4503: clients reconnect at once, to another node, and resume there.
   */
  async drain(): Promise<void> {
    clearInterval(this.ticker);
    await this.ownership.drain();
    await this.bus.broadcast({ type: 'node-leaving', node: this.nodeId }).catch(() => 0);
    await this.registry.stop().catch(() => undefined);
    for (const link of [...this.gateway.sockets()]) {
      link.close(CloseCode.ServerRestarting, 'server restarting; reconnect now');
    }
  }

  async close(): Promise<void> {
    clearInterval(this.ticker);
    await this.subscriber.quit().catch(() => undefined);
    await this.redis.quit().catch(() => undefined);
  }

  private receive(body: ClusterMessage): void {
    switch (body.type) {
      case 'client-message':
        this.remote.message(body);
        break;
      case 'socket-closed':
        this.remote.socketClosed(body);
        break;
      case 'deliver':
        this.gateway.deliver(body);
        break;
      case 'deliveries':
        for (const m of body.messages) {
          if (m.type === 'deliver') this.gateway.deliver(m);
          else this.gateway.close(m);
        }
        break;
      case 'close':
        this.gateway.close(body);
        break;
      case 'sessions-ended':
        this.sessions.registry.end(body.sessionIds, body.code, body.reason);
        break;
      case 'node-leaving':
        this.remote.nodeGone(body.node);
        break;
      case 'room-command':
        this.commands.run(body).catch((err) => this.log.error({ err }, 'room command failed'));
        break;
    }
  }

  /**
   * Every third of the lease: renew leases, and notice nodes that died (their sockets are gone). One at a time:
   * while Redis is away a tick waits for it, and the next one would only queue the same commands again.
   */
  tick(): Promise<void> {
    this.ticking ??= this.upkeep().finally(() => {
      this.ticking = null;
    });
    return this.ticking;
  }

  private async upkeep(): Promise<void> {
    try {
      await this.ownership.renew();
      for (const node of this.remote.nodes()) {
        if (!(await this.registry.isAlive(node))) this.remote.nodeGone(node);
      }
    } catch (err) {
      this.log.warn({ err }, 'cluster upkeep failed');
    }
  }
}
