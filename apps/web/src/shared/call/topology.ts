// How the route a call takes is put to the people in it: the topology's name and each policy reason in words
// (the codes are the protocol's PlanReasonCode union, so a code without words fails the type check;
// docs/routing.md explains them).
import type { Plan, PlanReasonCode, ReasonLabels, Topology } from '@consulta/protocol';

/** One plain sentence for patients: where the video goes, with no technical names. */
export const PATIENT_ROUTE_WORDS: Record<Topology, string> = {
  p2p: 'Your video goes directly to the other person.',
  tree: 'Your video is passed on between the people in the call.',
  sfu: 'Your video goes through our secure server.',
};

/** The p2p sentence when our side of the link runs through the TURN relay (a network that blocks direct links). */
export const PATIENT_P2P_RELAYED_WORDS =
  'Your video goes to the other person through our secure relay server.';

export const TOPOLOGY_WORDS: Record<Topology, string> = {
  p2p: 'Direct',
  tree: 'Shared between participants',
  sfu: 'Via the server',
};

const REASON_WORDS: ReasonLabels<string> = {
  alone: 'Nobody else is connected yet.',
  'two-party': 'Two people: video goes directly between you.',
  'recording-requires-sfu': 'The call is being recorded, so video goes through the server that records it.',
  'group-too-large': 'A large group: video goes through the server.',
  'tree-planning-failed':
    'The connections could not share the video between them, so it goes through the server.',
  'bandwidth-unknown': 'Someone’s connection speed is not known yet, so a typical connection is assumed.',
  'quality-limited': 'Video quality is lowered to suit someone’s connection.',
  'below-minimum-quality': 'Connections are too slow for video: audio only.',
  // These say why participants do not pass video on, not where it goes instead: that is the server when there is
  // an SFU, direct links to everyone when the server runs without one, and the topology badge shows which.
  'uplink-too-low-for-tree': 'Connections are too slow for participants to pass video on to each other.',
  'relay-capacity-too-low': 'Connections are too slow for participants to pass video on to each other.',
  'tree-too-deep': 'Passing video on between participants would add too much delay.',
  'latency-budget':
    'Passing video on between participants would delay it too much for conversation, so it takes a more direct route.',
  'tree-cheaper': 'Participants pass video on to each other, which saves server capacity.',
  'sfu-cheaper': 'Going through the server uses less of everyone’s connection.',
  'turn-relayed': 'Someone connects through the relay server.',
  'per-receiver-quality':
    'Video goes through the server so that each person gets the best quality their own connection allows.',
  'kept-previous': 'The current route is kept: the alternative is not clearly better.',
  'forced-by-config': 'The route is fixed by the server’s configuration (diagnostics).',
  'lossy-path':
    'The direct connection between you loses too much video, so it goes through the server, which repairs the losses.',
  settling:
    'Video stays on the server until everyone’s connection has been steady for a while, so the route does not keep changing.',
  'screen-share': 'A shared screen is counted in what everyone’s connection has to carry.',
  'sfu-unavailable':
    'The server that could carry the video is not running, so video goes between participants.',
};

export function reasonWords(code: PlanReasonCode): string {
  return REASON_WORDS[code];
}

/** The reason shown first: what decided the topology (the policy lists it before the quality notes). */
export function mainReason(plan: Plan): string | null {
  const first = plan.reasons[0];
  return first ? reasonWords(first.code) : null;
}
