import {
  type Budget,
  budgets,
  receiveKbps,
  receiveShortfalls,
  sendLimits,
  treeShortfalls,
} from './bandwidth.ts';
import { defaultPolicyConfig, QUALITIES } from './config.ts';
import { platformEgressKbps } from './egress.ts';
import { lossyPathReason } from './lossy-path.ts';
import { screenKbpsAt } from './screen.ts';
import { settlingReason } from './settling.ts';
import type { PolicyConfig, PolicyDecision, PolicyInput, Quality, Reason, Topology } from './types.ts';

const TOPOLOGIES: readonly Topology[] = ['p2p', 'tree', 'sfu'];

/**
 * Chooses topology and quality for a session. Call it on every membership, bandwidth or recording change and
 * pass the decision in force as `previous`: a change then happens only when a hard rule forces it (recording,
 * group size, a quality that no longer fits) or the new choice is better by the configured margin.
 * Pure and deterministic: same input and previous decision, same output.
 */
export function decideTopology(input: PolicyInput, previous?: PolicyDecision): PolicyDecision {
  const config = input.config ?? defaultPolicyConfig;
  const all = budgets(input.participants, config, input.screenSharers);
  // Leaving an SFU chosen for per-receiver quality needs the margin at every level, so a weak receiver's
  // downlink hovering at a threshold does not swing the call between tree and SFU.
  const sticky = previous?.reasons.some((r) => r.code === 'per-receiver-quality') === true;
  const { quality, reasons: qualityReasons } = pickQuality(all, config, previous, sticky);
  const relayOnly = all.filter((b) => b.relayOnly);
  const sharers = all.filter((b) => b.sharing);
  const egressAt = (q: Quality): Partial<Record<Topology, number>> => {
    const egress: Partial<Record<Topology, number>> = {};
    for (const t of TOPOLOGIES) {
      egress[t] = platformEgressKbps(t, {
        participants: all.length,
        relayOnly: relayOnly.length,
        bitrateKbps: config.qualityKbps[q],
        screens: {
          count: sharers.length,
          relayOnly: sharers.filter((b) => b.relayOnly).length,
          kbps: screenKbpsAt(q, config),
        },
      });
    }
    return egress;
  };
  const egressKbps = egressAt(quality);
  const notes: Reason[] = [
    ...qualityReasons,
    ...all.filter((b) => !b.known).map((b): Reason => ({ code: 'bandwidth-unknown', peerId: b.id })),
  ];
  const decision = (topology: Topology, why: Reason[], q: Quality = quality): PolicyDecision => {
    const egress = q === quality ? egressKbps : egressAt(q);
    const turn =
      topology === 'sfu'
        ? []
        : relayOnly.map(
            (b): Reason => ({ code: 'turn-relayed', peerId: b.id, topology, value: egress[topology] }),
          );
    // Each shared screen, with what the plan counts for it at this quality.
    const screens = sharers.map(
      (b): Reason => ({ code: 'screen-share', peerId: b.id, value: screenKbpsAt(q, config) }),
    );
    return {
      topology,
      quality: q,
      bitrateKbps: config.qualityKbps[q],
      reasons: [...why, ...turn, ...screens, ...notes],
      egressKbps: egress,
    };
  };

  const forced = hardRule(input, all.length, config, previous);
  if (forced) return decision(forced.topology, forced.reasons);
  // Without an SFU a group trees cannot carry falls back to a mesh, and any other group stays on trees.
  const noSfu: Reason[] = input.sfuAvailable === false ? [{ code: 'sfu-unavailable' }] : [];

  // Every copy of a stream in a tree (or mesh) is one encoding, so the weakest receiver's downlink sets the
  // quality for all; the SFU forwards each receiver the simulcast layer its own link carries. When that lets
  // at least half of the group see better than the weakest allows, the SFU wins whatever the cost comparison says.
  if (noSfu.length === 0) {
    const best = majorityQuality(all, config, previous);
    if (rank(best) < rank(quality)) {
      const why: Reason = {
        code: 'per-receiver-quality',
        topology: 'sfu',
        value: config.qualityKbps[best],
        limit: config.qualityKbps[quality],
      };
      return decision('sfu', [why], best);
    }
  }

  // Groups that may use trees: trees when they fit the chosen quality and cost the platform less.
  const upgrade = upgradeScale(config);
  const bitrateKbps = config.qualityKbps[quality];
  const stayingInTree = previous?.topology === 'tree' && rank(quality) >= rank(previous.quality);
  const blockers = treeShortfalls(all, bitrateKbps, stayingInTree ? 1 : upgrade, config);
  if (blockers.length > 0) {
    return noSfu.length > 0 ? decision('p2p', [...blockers, ...noSfu]) : decision('sfu', blockers);
  }
  if (noSfu.length > 0) return decision('tree', noSfu);
  const settling = settlingReason(input, config, previous);
  if (settling) return decision('sfu', [settling]);
  const tree = egressKbps.tree!;
  const sfu = egressKbps.sfu!;
  let topology: Topology = tree < sfu ? 'tree' : 'sfu';
  const why: Reason[] = [];
  if (
    previous &&
    previous.topology !== topology &&
    (previous.topology === 'tree' || previous.topology === 'sfu')
  ) {
    const [current, candidate] = previous.topology === 'tree' ? [tree, sfu] : [sfu, tree];
    const needed = current * (1 - config.hysteresis.costMargin);
    if (candidate > needed) {
      topology = previous.topology;
      why.push({ code: 'kept-previous', topology, value: candidate, limit: needed });
    }
  }
  why.unshift(
    topology === 'tree'
      ? { code: 'tree-cheaper', topology, value: tree, limit: sfu }
      : { code: 'sfu-cheaper', topology, value: sfu, limit: tree },
  );
  return decision(topology, why);
}

function hardRule(
  input: PolicyInput,
  n: number,
  config: PolicyConfig,
  previous: PolicyDecision | undefined,
): { topology: Topology; reasons: Reason[] } | undefined {
  const sfu = input.sfuAvailable !== false;
  if (sfu && input.recording !== 'off' && config.recordingRequiresSfu) {
    return { topology: 'sfu', reasons: [{ code: 'recording-requires-sfu', topology: 'sfu' }] };
  }
  // Alone: p2p with nobody to connect to, i.e. idle; no server resources are held for a waiting room.
  if (n <= 1) return { topology: 'p2p', reasons: [{ code: 'alone', value: n }] };
  if (n <= config.p2pMaxParticipants) {
    const lossy = sfu && n === 2 ? lossyPathReason(input.participants, config, previous) : undefined;
    if (lossy) return { topology: 'sfu', reasons: [lossy] };
    return { topology: 'p2p', reasons: [{ code: 'two-party', value: n, limit: config.p2pMaxParticipants }] };
  }
  if (sfu && n > config.treeMaxParticipants) {
    return {
      topology: 'sfu',
      reasons: [{ code: 'group-too-large', value: n, limit: config.treeMaxParticipants }],
    };
  }
  if (input.treePlanningFailed) {
    return sfu
      ? { topology: 'sfu', reasons: [{ code: 'tree-planning-failed' }] }
      : { topology: 'p2p', reasons: [{ code: 'tree-planning-failed' }, { code: 'sfu-unavailable' }] };
  }
  return undefined;
}

/**
 * Best quality every participant can receive from all the others (any topology needs that much downlink).
 * Levels above the previous decision's must fit with the upgrade margin to spare; the current level and below
 * need only fit. Senders whose uplink is below the chosen level are named (`quality-limited`, value = their
 * usable uplink) but do not lower it: they send what their link carries; one below even audio is
 * `below-minimum-quality`.
 */
function pickQuality(
  all: Budget[],
  config: PolicyConfig,
  previous: PolicyDecision | undefined,
  marginEverywhere: boolean,
): { quality: Quality; reasons: Reason[] } {
  const upgrade = upgradeScale(config);
  let limits: Reason[] = [];
  let quality: Quality = 'audio';
  for (const q of QUALITIES) {
    const scale = marginEverywhere || (previous && rank(q) < rank(previous.quality)) ? upgrade : 1;
    const shortfalls = receiveShortfalls(all, config.qualityKbps[q], scale, screenKbpsAt(q, config));
    if (shortfalls.length === 0) {
      quality = q;
      break;
    }
    limits = shortfalls;
    if (q === 'audio') limits = limits.map((r) => ({ ...r, code: 'below-minimum-quality' }));
  }
  const senders = sendLimits(all, config.qualityKbps[quality], screenKbpsAt(quality, config)).map(
    (r): Reason => ((r.value ?? 0) < config.qualityKbps.audio ? { ...r, code: 'below-minimum-quality' } : r),
  );
  const named = new Set(limits.map((r) => r.peerId));
  return { quality, reasons: [...limits, ...senders.filter((r) => !named.has(r.peerId))] };
}

/**
 * Best quality at least half of the participants can receive from all the others and at least one of them can
 * send, with pickQuality's upgrade margin above the previous decision's level: what the SFU's per-receiver
 * layers give much of the group (the rest get the layer their own downlink carries).
 */
function majorityQuality(all: Budget[], config: PolicyConfig, previous?: PolicyDecision): Quality {
  const upgrade = upgradeScale(config);
  for (const q of QUALITIES) {
    const scale = previous && rank(q) < rank(previous.quality) ? upgrade : 1;
    const kbps = config.qualityKbps[q];
    const screen = screenKbpsAt(q, config);
    const receivers = all.filter((b) => b.downKbps * scale >= receiveKbps(all, kbps, screen, b)).length;
    const sender = all.some((b) => b.upKbps * scale >= kbps);
    if (sender && receivers * 2 >= all.length) return q;
  }
  return 'audio';
}

/**
 * "Fits with `upgradeMargin` to spare": what is needed may use at most (1 - margin) of the usable bandwidth, so
 * 15 % leaves 15 % of it unused (need <= 0.85 x usable). Budgets are scaled by this before comparing.
 */
function upgradeScale(config: PolicyConfig): number {
  return 1 - config.hysteresis.upgradeMargin;
}

function rank(q: Quality): number {
  return QUALITIES.indexOf(q);
}
