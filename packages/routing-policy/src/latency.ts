import type { PolicyConfig } from './types.ts';

// The latency budget. A conversation breaks down past ~150 ms one way (ITU-T G.114), and every relay in a
// streaming tree is a browser that decodes, buffers and re-encodes the stream, so each hop below the first adds
// delay. The figures come from bench/latency.bench.ts (docs/latency.md): the one-way latency of a direct link and
// what each relay hop adds, of video or audio whichever is slower (audio, measured).

/** Estimated one-way latency of a receiver `depth` hops below the sender (1 = direct from the sender). */
export function pathLatencyMs(depth: number, config: PolicyConfig): number {
  return config.latency.directMs + Math.max(0, depth - 1) * config.latency.perRelayHopMs;
}

/**
 * The deepest path (in hops) trees may use: `maxRelayHops`, lowered so that the estimated latency of the
 * deepest receiver stays within `latency.budgetMs`. 0 when even a direct link exceeds the budget.
 */
export function treeDepthLimit(config: PolicyConfig): number {
  const { budgetMs, directMs, perRelayHopMs } = config.latency;
  if (directMs > budgetMs) return 0;
  const byBudget = perRelayHopMs > 0 ? 1 + Math.floor((budgetMs - directMs) / perRelayHopMs) : Infinity;
  return Math.max(0, Math.min(config.maxRelayHops, byBudget));
}
