import { canonicalJson, sha256Hex } from './canonical.ts';

// The audit hash chain, pure: which chain an event belongs to and what its hash is. Writing (record.ts) and
// verifying (verify.ts) both use exactly these functions.

/** The previous hash of the first event in a chain. */
export const GENESIS_HASH = '0'.repeat(64);
/** Bumped if the hashed fields ever change; part of every hash, so old and new events stay distinguishable. */
export const CHAIN_VERSION = 1;

/**
 * Chains are per consultation (`consultation:<id>`): a visit's events form one chain that its export carries
 * whole and that can be verified on its own, and separate visits never wait for each other. Events outside any
 * consultation (sign-ins, audit reads) go to one chain per UTC day (`day:2026-11-26`).
 */
export function chainKeyFor(consultationId: string | null, at: Date): string {
  return consultationId ? `consultation:${consultationId}` : `day:${at.toISOString().slice(0, 10)}`;
}

/** The fields of an event that the hash covers: everything stored, including its place in the chain. */
export interface ChainedFields {
  id: string;
  at: Date;
  action: string;
  actorType: string;
  actorId: string | null;
  targetType: string | null;
  targetId: string | null;
  consultationId: string | null;
  ip: string | null;
  outcome: string;
  details: unknown;
  chainKey: string;
  seq: number;
  prevHash: string;
}

export function eventHash(e: ChainedFields): string {
  return sha256Hex(
    canonicalJson({
      v: CHAIN_VERSION,
      id: e.id,
      at: e.at.toISOString(),
      action: e.action,
      actorType: e.actorType,
      actorId: e.actorId,
      targetType: e.targetType,
      targetId: e.targetId,
      consultationId: e.consultationId,
      ip: e.ip,
      outcome: e.outcome,
      details: e.details ?? null,
      chainKey: e.chainKey,
      seq: e.seq,
      prevHash: e.prevHash,
    }),
  );
}
