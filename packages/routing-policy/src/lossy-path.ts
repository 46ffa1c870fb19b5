import type { Participant, PolicyConfig, PolicyDecision, Reason } from './types.ts';

/**
 * Why a two-person call goes through the SFU rather than directly, if its direct path loses too much media; else
 * undefined. Measured in the network lab: a direct call between 4G and weak mobile (1 % and 3 % random loss)
 * lost about 5 % and froze for 6-9 s in 30 s, where through the SFU each leg's losses are repaired over its own
 * short round trip and the weak receiver gets the layer its link carries (0.2 s of freezes).
 *
 * What a receiver reports depends on the path it measured: on the direct link it is the whole path (the other
 * peer's uplink and its own downlink), so the worse of the two figures is the path's; through the SFU it is
 * mostly its own leg (plus what the SFU could not repair in time of the sender's), so a direct path would lose
 * about the sum of both, or a little less: the side that keeps a lossy call where it is. Leaving needs that sum under `exitPercent`, lower
 * than `enterPercent`, so figures hovering at the threshold do not swing the call back and forth; without a
 * figure from both legs (just switched, too little media) the SFU is kept.
 */
export function lossyPathReason(
  participants: readonly Participant[],
  config: PolicyConfig,
  previous: PolicyDecision | undefined,
): Reason | undefined {
  const { enterPercent, exitPercent } = config.lossyPath;
  const losses = participants.map((p) => p.receiveLossPercent);
  const known = losses.filter((l): l is number => l !== undefined);
  const held = previous?.reasons.find((r) => r.code === 'lossy-path');
  const reason = (value: number | undefined, limit: number): Reason => ({
    code: 'lossy-path',
    topology: 'sfu',
    ...(value === undefined ? {} : { value }),
    limit,
  });
  if (previous?.topology === 'sfu') {
    if (held && known.length < losses.length) return reason(held.value, exitPercent);
    const direct = known.reduce((sum, l) => sum + l, 0);
    const limit = held ? exitPercent : enterPercent;
    return direct >= limit ? reason(direct, limit) : undefined;
  }
  if (known.length === 0) return undefined;
  const direct = Math.max(...known);
  return direct >= enterPercent ? reason(direct, enterPercent) : undefined;
}
