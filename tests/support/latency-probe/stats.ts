// Summaries of probe samples: median, p95 and max of the latency per (receiver's) sender and kind. Pure.
import type { ProbeSample } from './page.ts';

export interface LatencySummary {
  count: number;
  medianMs: number;
  p95Ms: number;
  maxMs: number;
}

/** p-th percentile (0..100), nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function summarize(values: readonly number[]): LatencySummary {
  return {
    count: values.length,
    medianMs: percentile(values, 50),
    p95Ms: percentile(values, 95),
    maxMs: values.length ? Math.max(...values) : Number.NaN,
  };
}

/** The samples of one sender and kind, summarized. */
export function summarizeSamples(
  samples: readonly ProbeSample[],
  sender: number,
  kind: ProbeSample['kind'],
): LatencySummary {
  return summarize(samples.filter((s) => s.sender === sender && s.kind === kind).map((s) => s.latencyMs));
}
