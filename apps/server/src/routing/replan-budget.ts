import { TokenBucket } from '../limits/index.ts';

/**
 * How often one member's bandwidth reports may change what the planner acts on: a token bucket per member of
 * each room (`burst` changes at once, then `perMinute`). A client that lies or flaps (every 100 ms, negative
 * after clamping, huge) can then make the server replan at most `burst + perMinute` times in any minute; its
 * further reports wait (the planner keeps the figures it accepted) and others' reports are not held up.
 * Pure and clock-injected, so it is unit-tested without timers.
 */
export class ReplanBudget {
  private readonly buckets = new Map<string, Map<string, TokenBucket>>();

  constructor(
    private readonly limits: { perMinute: number; burst: number },
    private readonly now: () => number = Date.now,
  ) {}

  /** Spends one change for `memberId` in `roomId`; false when its budget is used up for now. */
  take(roomId: string, memberId: string): boolean {
    let room = this.buckets.get(roomId);
    if (!room) {
      room = new Map();
      this.buckets.set(roomId, room);
    }
    let bucket = room.get(memberId);
    if (!bucket) {
      bucket = new TokenBucket(this.limits.perMinute / 60, this.limits.burst, this.now);
      room.set(memberId, bucket);
    }
    return bucket.take();
  }

  forgetMember(roomId: string, memberId: string): void {
    this.buckets.get(roomId)?.delete(memberId);
  }

  forgetRoom(roomId: string): void {
    this.buckets.delete(roomId);
  }
}
