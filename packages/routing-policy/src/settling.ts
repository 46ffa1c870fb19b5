import type { PolicyConfig, PolicyDecision, PolicyInput, Reason, ReasonCode } from './types.ts';

/** The SFU because no tree fit these participants. */
const NO_TREE_FIT: ReadonlySet<ReasonCode> = new Set<ReasonCode>([
  'uplink-too-low-for-tree',
  'relay-capacity-too-low',
  'tree-too-deep',
  'latency-budget',
  'tree-planning-failed',
]);

/** Whether this decision found that no tree fits (the caller notes the time: `sinceNoTreeFitSeconds`). */
export function foundNoTreeFit(decision: PolicyDecision): boolean {
  const first = decision.reasons[0]?.code;
  return decision.topology === 'sfu' && first !== undefined && NO_TREE_FIT.has(first);
}

/**
 * Keeps a group on the SFU it went to because no tree fit until no tree has failed to fit for
 * `treeRetrySeconds`, with the same people: the figures that say a tree fits again were measured on links that
 * swing (a loaded machine's probes, cross traffic), and each move between a tree and the SFU rebuilds every
 * connection of every member. Undefined when the call may move now: it is not on the SFU for that reason (or
 * settling after it), its people changed (`sinceNoTreeFitSeconds` undefined), the hold is over, or the SFU was
 * chosen on figures someone had not reported yet (then the first real figures decide at once, as on a join).
 */
export function settlingReason(
  input: PolicyInput,
  config: PolicyConfig,
  previous: PolicyDecision | undefined,
): Reason | undefined {
  const since = input.sinceNoTreeFitSeconds;
  if (since === undefined || !previous) return undefined;
  const settling = previous.topology === 'sfu' && previous.reasons[0]?.code === 'settling';
  if (!settling && !foundNoTreeFit(previous)) return undefined;
  if (previous.reasons.some((r) => r.code === 'bandwidth-unknown')) return undefined;
  const limit = config.hysteresis.treeRetrySeconds;
  return since < limit ? { code: 'settling', topology: 'sfu', limit } : undefined;
}
