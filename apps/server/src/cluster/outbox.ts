import type { ClusterMessageOf } from '@consulta/protocol';
import type { FastifyBaseLogger } from 'fastify';
import type { Bus } from './bus.ts';

const RETRY_MS = [20, 50, 100, 200, 500];
/** The most messages one publish carries (the protocol's limit for `deliveries`). */
const BATCH = 200;

type Outgoing = ClusterMessageOf<'deliver'> | ClusterMessageOf<'close'>;

/**
 * An owner's messages for the sockets of one other node, in order and not lost when that node is briefly not
 * listening: pub/sub drops what is published while a node's subscriber reconnects (after Redis was away), so one
 * publish is under way per node at a time, and one that reached nobody is published again until it arrives or
 * the node counts as dead (then its sockets are gone anyway). What queues meanwhile goes out as one `deliveries`
 * publish: all of it arrives or none, in order, and throughput does not depend on the round trip to Redis.
 */
export class NodeOutbox {
  private readonly queues = new Map<string, Outgoing[]>();

  constructor(
    private readonly bus: Bus,
    private readonly isAlive: (node: string) => Promise<boolean>,
    private readonly gone: (node: string) => void,
    private readonly log: FastifyBaseLogger,
  ) {}

  send(node: string, body: Outgoing): void {
    const queue = this.queues.get(node);
    if (queue) {
      queue.push(body);
      return;
    }
    this.queues.set(node, [body]);
    void this.drain(node);
  }

  private async drain(node: string): Promise<void> {
    const queue = this.queues.get(node)!;
    let failures = 0;
    while (queue.length > 0) {
      let received = 0;
      const batch = queue.slice(0, BATCH);
      try {
        // Sealed now, not when queued: its age is counted from when it goes out.
        received = await this.bus.send(
          node,
          batch.length === 1 ? batch[0]! : { type: 'deliveries', messages: batch },
        );
      } catch (err) {
        this.log.warn({ err, node }, 'cluster send failed');
      }
      if (received > 0) {
        queue.splice(0, batch.length);
        failures = 0;
        continue;
      }
      const alive = await this.isAlive(node).catch(() => true);
      if (!alive) {
        this.queues.delete(node);
        this.gone(node);
        return;
      }
      await new Promise((resolve) =>
        setTimeout(resolve, RETRY_MS[Math.min(failures++, RETRY_MS.length - 1)]),
      );
    }
    this.queues.delete(node);
  }
}
