// Signals for a member whose connection dropped and may come back within its grace period: held in order and
// delivered once it resumes, at most MAX_HELD_SIGNALS (the oldest are dropped past that). Refusing them lost the
// trickled candidates and answers of links being set up while a server node restarted (its clients reconnect
// within a few hundred ms), which the sender's engine reported as errors and never sent again.
import type { ServerMessageOf } from '@consulta/protocol';
import type { Member } from './member.ts';

/** A link setup's offer, answer and candidates fit many times over; a member away longer loses the oldest. */
export const MAX_HELD_SIGNALS = 64;

type Signal = ServerMessageOf<'signal'>;

/** Keeps `signal` for `member` (whose link is null) until it resumes. */
export function holdSignal(member: Member, signal: Signal): void {
  const held = member.heldSignals ?? [];
  member.heldSignals = held;
  held.push(signal);
  if (held.length > MAX_HELD_SIGNALS) held.splice(0, held.length - MAX_HELD_SIGNALS);
}

/** Sends what was held for `member` on its (new) link, in order; call after its `joined`. */
export function releaseSignals(member: Member): void {
  const held = member.heldSignals;
  member.heldSignals = undefined;
  if (!held || !member.link) return;
  for (const signal of held) member.link.send(signal);
}
