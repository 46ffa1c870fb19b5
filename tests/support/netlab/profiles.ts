// The access networks the lab can give a participant, in one table (docs/network-lab.md shows the same table).
// Rates are what the participant's home router lets through, per direction; loss is applied by the router to
// every forwarded packet in both directions; `queueMs` bounds the router's queue (bufferbloat = real delay).

/** How the participant's router maps private addresses to its public one. */
export type NatKind =
  /** Endpoint-independent mapping (Linux keeps the source port): a STUN-learnt address works for any peer. */
  | 'endpoint-independent'
  /** Address-and-port-dependent mapping (`masquerade random`): every destination sees another port. */
  | 'symmetric';

export interface LinkProfile {
  name: string;
  /** Router -> client, kbit/s. */
  downKbps: number;
  /** Client -> router -> internet, kbit/s. */
  upKbps: number;
  /** Share of packets dropped in each direction, percent (nftables `numgen random`; netem is not available). */
  lossPercent: number;
  /** Outbound UDP blocked and only TCP to ports 80 and 443 allowed (a hospital's firewall). */
  udpBlocked: boolean;
  nat: NatKind;
  /** Longest queueing delay the shaper allows before dropping, ms. */
  queueMs: number;
}

const profile = (
  p: Omit<LinkProfile, 'queueMs' | 'udpBlocked' | 'lossPercent' | 'nat'> & Partial<LinkProfile>,
) =>
  Object.freeze({
    queueMs: 150,
    udpBlocked: false,
    lossPercent: 0,
    nat: 'endpoint-independent' as NatKind,
    ...p,
  });

/** The profiles of issue 10. Add one here and to the table in docs/network-lab.md. */
export const PROFILES = Object.freeze({
  fibre: profile({ name: 'fibre', downKbps: 100_000, upKbps: 100_000, queueMs: 50 }),
  dsl: profile({ name: 'dsl', downKbps: 16_000, upKbps: 1_000 }),
  '4g': profile({ name: '4g', downKbps: 10_000, upKbps: 3_000, lossPercent: 1 }),
  'weak-mobile': profile({ name: 'weak-mobile', downKbps: 1_500, upKbps: 400, lossPercent: 3, queueMs: 300 }),
  hospital: profile({ name: 'hospital', downKbps: 50_000, upKbps: 50_000, udpBlocked: true, queueMs: 50 }),
  'symmetric-nat': profile({ name: 'symmetric-nat', downKbps: 20_000, upKbps: 10_000, nat: 'symmetric' }),
});

export type ProfileName = keyof typeof PROFILES;

export function profileOf(p: ProfileName | LinkProfile): LinkProfile {
  return typeof p === 'string' ? PROFILES[p] : p;
}
