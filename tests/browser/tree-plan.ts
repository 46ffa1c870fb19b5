// Reading a routing plan of per-sender peer trees, for the tree call tests and the tree bench: which
// (receiver, sender) pairs hang below a relay, and the plan's edges as a line of text.
import type { Plan } from '@consulta/protocol';

/** (receiver, sender) participant ids. */
export type Pair = [receiver: string, sender: string];

export const pairKey = ([r, s]: Pair): string => `${r}<-${s}`;

/** Every (receiver, sender) pair among `ids`. */
export const allPairs = (ids: string[]): Pair[] =>
  ids.flatMap((r) => ids.filter((s) => s !== r).map((s): Pair => [r, s]));

/** Every participant reported its bandwidth: the planner chose on known figures. */
export const fullyKnown = (p: Plan): boolean => !p.reasons.some((r) => r.code === 'bandwidth-unknown');

/** The (receiver, sender) pairs whose path from the sender runs through `relay` (the relay's own stream aside). */
export function orphanedPairs(plan: Plan, relay: string): Pair[] {
  const out: Pair[] = [];
  for (const sender of new Set(plan.edges.map((e) => e.streamId))) {
    if (sender === relay) continue;
    const below = (node: string): string[] =>
      plan.edges
        .filter((e) => e.streamId === sender && e.parent === node)
        .flatMap((e) => [e.child, ...below(e.child)]);
    for (const r of below(relay)) out.push([r, sender]);
  }
  return out;
}

/** The plan's edges as `stream:parent>child`, each participant by `name` (or the start of its id). */
export function describeTree(plan: Plan, name: (id: string) => string | undefined): string {
  const n = (id: string) => name(id) ?? id.slice(0, 6);
  return plan.edges.map((e) => `${n(e.streamId)}:${n(e.parent)}>${n(e.child)}`).join(' ');
}
