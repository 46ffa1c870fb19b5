// Seeded, deterministic participants for simulations: a realistic mix of access links.

/** mulberry32: tiny, fast, good enough to draw simulation inputs reproducibly. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SimPeer {
  id: string;
  access: AccessKind;
  uplinkKbps: number;
  /** Mobile devices and TURN-only peers do not relay. */
  relay: boolean;
  relayOnly: boolean;
}

export type AccessKind = 'fibre' | 'cable' | '4g' | '3g';

/** Share of peers and uplink range (kbit/s) per access kind. */
export const ACCESS_MIX: Record<AccessKind, { share: number; min: number; max: number; mobile: boolean }> = {
  fibre: { share: 0.15, min: 50_000, max: 500_000, mobile: false },
  cable: { share: 0.4, min: 5_000, max: 30_000, mobile: false },
  '4g': { share: 0.3, min: 2_000, max: 15_000, mobile: true },
  '3g': { share: 0.15, min: 500, max: 1_500, mobile: true },
};

/** Share of peers whose ICE only succeeds through TURN. */
export const RELAY_ONLY_SHARE = 0.1;

export function drawPeer(rand: () => number, id: string, mix = ACCESS_MIX): SimPeer {
  let x = rand();
  let access: AccessKind = '3g';
  for (const [kind, m] of Object.entries(mix) as Array<[AccessKind, (typeof mix)[AccessKind]]>) {
    if (x < m.share) {
      access = kind;
      break;
    }
    x -= m.share;
  }
  const m = mix[access];
  const relayOnly = rand() < RELAY_ONLY_SHARE;
  return {
    id,
    access,
    uplinkKbps: Math.round(m.min + (m.max - m.min) * rand()),
    relay: !m.mobile && !relayOnly,
    relayOnly,
  };
}
