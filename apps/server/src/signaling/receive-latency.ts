import type { StreamLatency } from '@consulta/protocol';
import type { Room } from './room.ts';

// Members' measured receive latency (`receive-latency` reports), for the admin's live view and /metrics. Only
// reports younger than FRESH_MS count: a client that stopped reporting (left, or its tab was frozen) must not
// keep an old figure on screen as if it were live.

export const FRESH_MS = 20_000;

export interface MemberLatency {
  participantId: string;
  /** Date.now() when the report arrived. */
  at: number;
  streams: StreamLatency[];
}

/** The latest fresh report of every member of `room`. */
export function liveReceiveLatency(room: Room, now = Date.now()): MemberLatency[] {
  const out: MemberLatency[] = [];
  for (const m of room.members.values()) {
    const r = m.receiveLatency;
    if (r && now - r.at <= FRESH_MS)
      out.push({ participantId: m.participantId, at: r.at, streams: r.streams });
  }
  return out;
}

/** The slowest stream any member of `room` receives now (its totalMs), or null without fresh reports. */
export function worstReceiveLatencyMs(room: Room, now = Date.now()): number | null {
  let worst: number | null = null;
  for (const m of liveReceiveLatency(room, now))
    for (const s of m.streams) worst = Math.max(worst ?? 0, s.totalMs);
  return worst;
}
