import type { SnapshotSocket } from '@consulta/protocol';
import type { FastifyBaseLogger } from 'fastify';
import type { Link } from '../signaling/link.ts';
import type { Room } from '../signaling/room.ts';
import type { Rooms } from '../signaling/rooms.ts';
import type { Lease, Quiet, RoomLeases } from './room-lease.ts';
import type { RoomStore } from './room-store.ts';
import { roomOf, snapshotOf } from './snapshot.ts';

export interface OwnershipOptions {
  nodeId: string;
  rooms: Rooms;
  leases: RoomLeases;
  store: RoomStore;
  /** How this node names a member's socket in a snapshot (null: not reachable after this node). */
  socketOf: (link: Link, leaving: boolean) => SnapshotSocket | null;
  /** The link for a socket named in a snapshot (null: gone). */
  linkOf: (via: SnapshotSocket, consultationId: string) => Promise<Link | null>;
  /** This node stopped running a room it ran (another node took it): its sockets there must resume elsewhere. */
  lost: (consultationId: string) => void;
  log: FastifyBaseLogger;
}

/** Thrown while the node drains: it takes no room any more. */
export class NodeDraining extends Error {}

/**
 * The rooms this node owns, under their leases: taking a room (free, or from a dead owner) rebuilds it from its
 * snapshot; every change writes the snapshot under the room's fence; a lease that cannot be renewed makes the
 * node forget the room at once; draining hands every room back with its state written.
 */
export class Ownership {
  private readonly owned = new Map<string, number>();
  /** Rooms that existed under this node: one that is gone again (empty, ended) has its lease given back. */
  private readonly live = new Set<string>();
  private readonly taking = new Map<string, Promise<'self' | Lease>>();
  private draining = false;
  /** Room tasks running now (re-entrant tasks nest), and the sends to other nodes they made, held until the write. */
  private readonly depth = new Map<string, number>();
  private readonly held = new Map<string, Array<() => void>>();

  constructor(private readonly o: OwnershipOptions) {}

  fenceOf(consultationId: string): number | undefined {
    return this.owned.get(consultationId);
  }

  /** 'self' when this node runs the room (taking a free lease if need be), else the owner's lease. */
  owner(consultationId: string): Promise<'self' | Lease> {
    if (this.owned.has(consultationId)) return Promise.resolve('self');
    if (this.draining) return Promise.reject(new NodeDraining());
    return this.once(consultationId, () => this.take(consultationId, null));
  }

  /** The owner as Redis says, without taking anything (null: nobody). */
  async holder(consultationId: string): Promise<'self' | Lease | null> {
    if (this.owned.has(consultationId)) return 'self';
    // A take of ours under way: the lease may carry our name already while the room is still being loaded.
    const taking = this.taking.get(consultationId);
    if (taking) return taking;
    return this.o.leases.holder(consultationId);
  }

  /** The owner `dead` is not listening any more: take its room (if the lease is still exactly its). */
  async takeOver(consultationId: string, dead: Lease): Promise<'self' | Lease> {
    if (this.draining) throw new NodeDraining();
    // Another message for the room may be taking it already (a resume and the other member's report, racing
    // after the owner died): wait for that take rather than start a second one under a newer fence.
    // (No await when none is: a join asking meanwhile must find this takeover in flight, not start its own.)
    const under = this.taking.get(consultationId);
    if (under) await under.catch(() => undefined);
    if (this.owned.has(consultationId)) return 'self';
    return this.once(consultationId, () => this.take(consultationId, dead));
  }

  /**
   * One take of a room at a time on this node; whoever asks meanwhile shares it. Two at once each got a fence:
   * the first loaded the snapshot and resumed a member (a new resume token, whose write the second fence then
   * refused), the second reloaded the older snapshot, and the member's next resume failed (seen in CI).
   */
  private once(consultationId: string, take: () => Promise<'self' | Lease>): Promise<'self' | Lease> {
    let pending = this.taking.get(consultationId);
    if (!pending) {
      pending = take().finally(() => this.taking.delete(consultationId));
      this.taking.set(consultationId, pending);
    }
    return pending;
  }

  /** Rooms' `changing` hook: a task on the room starts. */
  begin(consultationId: string): void {
    this.depth.set(consultationId, (this.depth.get(consultationId) ?? 0) + 1);
  }

  /**
   * A message for another node's socket. While a task changes the room it waits for the task's snapshot write,
   * and is published after it on the same Redis connection: nobody sees a change (a plan) that a node taking the
   * room after a crash would not find in the snapshot.
   */
  hold(consultationId: string, send: () => void): void {
    if ((this.depth.get(consultationId) ?? 0) > 0) {
      const list = this.held.get(consultationId) ?? [];
      list.push(send);
      this.held.set(consultationId, list);
    } else send();
  }

  /**
   * Rooms' `changed` hook: writes the room's snapshot, or lets the room go once it is gone. The write is issued,
   * not awaited: the room goes on while Redis is slow or away (the client queues commands until it is back, in
   * order, so a later snapshot still lands after an earlier one), and a refused write makes the node let go.
   */
  persist(consultationId: string): Promise<void> {
    const depth = (this.depth.get(consultationId) ?? 1) - 1;
    if (depth > 0) {
      this.depth.set(consultationId, depth); // an inner task: the outer one writes
      return Promise.resolve();
    }
    this.depth.delete(consultationId);
    const held = this.held.get(consultationId) ?? [];
    this.held.delete(consultationId);
    const flush = () => {
      for (const send of held) send();
    };
    const fence = this.owned.get(consultationId);
    if (fence === undefined) return Promise.resolve(flush());
    const room = this.o.rooms.get(consultationId);
    if (!room) {
      flush();
      // Taken for a join that has not created the room yet (or failed): nothing to write, keep the lease.
      if (!this.live.has(consultationId)) return Promise.resolve();
      this.owned.delete(consultationId);
      this.live.delete(consultationId);
      void this.o.store
        .delete(consultationId, fence)
        .then(() => this.o.leases.release(consultationId, fence))
        .catch((err) => this.o.log.warn({ err, consultationId }, 'could not let an empty room go'));
      return Promise.resolve();
    }
    this.live.add(consultationId);
    // Issued before the held messages, on the same connection: Redis runs the write first.
    this.save(consultationId, fence, room);
    flush();
    return Promise.resolve();
  }

  /**
   * Renews every lease (called every third of the lease time, and as soon as Redis is back). A lease lost to a
   * newer fence is a room forgotten; Redis unreachable is not a loss (the holder keeps serving and renews once it
   * is back: nobody can take the room meanwhile, see RoomLeases); a room whose state Redis lost is written again.
   */
  async renew(): Promise<void> {
    // All at once: one round trip for every room, however many there are and however busy this process is.
    const owned = [...this.owned];
    const results = await Promise.all(
      owned.map(([id, fence]) =>
        this.o.leases.renew(id, fence).catch((err) => {
          this.o.log.warn({ err, consultationId: id }, 'could not renew a lease; keeping the room');
          return null;
        }),
      ),
    );
    for (const [i, [id, fence]] of owned.entries()) {
      const renewed = results[i];
      if (renewed === null || renewed === undefined || this.owned.get(id) !== fence) continue;
      if (renewed === 0) this.lose(id, 'lease lost');
      else if (renewed === 2) {
        // In the room's order, but not awaited: a room busy with a long task (a join) must not hold up the
        // renewal of every other lease.
        void this.o.rooms
          .within(id, async () => {
            const room = this.o.rooms.get(id);
            if (room && this.owned.get(id) === fence) this.save(id, fence, room);
          })
          .catch((err) => this.o.log.warn({ err, consultationId: id }, 'could not write a room again'));
      }
    }
  }

  /** Shutdown: every room's state is written with this node's sockets marked gone, and its lease released. */
  async drain(): Promise<void> {
    this.draining = true;
    for (const id of [...this.owned.keys()]) {
      await this.o.rooms.within(id, async () => {
        const fence = this.owned.get(id);
        const room = this.o.rooms.get(id);
        this.owned.delete(id);
        this.live.delete(id);
        if (fence === undefined) return;
        if (room) await this.o.store.save(snapshotOf(room, fence, (l) => this.o.socketOf(l, true)));
        await this.o.leases.release(id, fence);
        this.o.rooms.forget(id);
      });
    }
  }

  get size(): number {
    return this.owned.size;
  }

  private async take(consultationId: string, dead: Lease | null): Promise<'self' | Lease> {
    const { leases, nodeId } = this.o;
    let fence: number | null | Quiet;
    if (dead) fence = await leases.take(consultationId, dead);
    else {
      const held = await leases.holder(consultationId);
      if (held && held.node !== nodeId) return held;
      // Held under our name but not in memory: a lease this node lost track of; take it anew under a new fence.
      fence = await leases.take(consultationId, held);
    }
    if (fence !== null && typeof fence === 'object') {
      // Redis just came back: the holder (alive, most likely) gets the time to reclaim its room. Then ask again
      // who holds it: a holder that is back is reached as usual; one that is not is taken over.
      this.o.log.warn(
        { consultationId, waitMs: fence.waitMs },
        'Redis was away: waiting for holders to reclaim',
      );
      await new Promise((resolve) => setTimeout(resolve, fence.waitMs));
      return this.take(consultationId, null);
    }
    if (fence === null) {
      const now = await leases.holder(consultationId);
      if (now && now.node !== nodeId) return now;
      throw new Error(`could not take the lease of room ${consultationId}`);
    }
    await this.o.rooms.within(consultationId, async () => {
      const snapshot = await this.o.store.load(consultationId);
      this.o.rooms.forget(consultationId);
      if (snapshot) {
        const room = await roomOf(snapshot, (via) => this.o.linkOf(via, consultationId));
        this.o.rooms.adopt(room);
      }
      this.owned.set(consultationId, fence);
    });
    this.o.log.info({ consultationId, fence, from: dead?.node ?? null }, 'took a room');
    return 'self';
  }

  private save(consultationId: string, fence: number, room: Room): void {
    this.o.store
      .save(snapshotOf(room, fence, (l) => this.o.socketOf(l, false)))
      .then((ok) => {
        if (!ok && this.owned.get(consultationId) === fence)
          this.lose(consultationId, 'a newer fence holds the room');
      })
      .catch((err) => this.o.log.warn({ err, consultationId }, 'could not write a room snapshot'));
  }

  private lose(consultationId: string, why: string): void {
    this.owned.delete(consultationId);
    this.live.delete(consultationId);
    this.o.rooms.forget(consultationId);
    this.o.log.warn({ consultationId, why }, 'stopped running a room');
    this.o.lost(consultationId);
  }
}
