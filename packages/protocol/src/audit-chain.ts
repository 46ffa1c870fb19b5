import { type Static, Type } from 'typebox';
import { Timestamp } from './domain.ts';

// The tamper-evident audit chain as clients see it: the verifier's report (GET /api/audit/verify, and the
// `verify-audit` command prints the same object). docs/health-data.md explains the chain.

/** Why a link is broken. */
export const AuditBreakReason = Type.Enum([
  /** The event's stored fields no longer hash to its stored hash: the row was edited. */
  'hash-mismatch',
  /** The event's prevHash is not the previous event's hash: an event was replaced, or the chain forked. */
  'link-mismatch',
  /** A position in the chain is missing: an event was deleted. */
  'seq-gap',
  /** The chain's head does not match its last event: events were deleted from its end, or the head was edited. */
  'head-mismatch',
  /** Events exist in a chain that has no head row. */
  'head-missing',
] as const);
export type AuditBreakReason = Static<typeof AuditBreakReason>;

export const AuditBrokenLink = Type.Object({
  chainKey: Type.String(),
  /** The position at which the chain stops verifying. */
  seq: Type.Integer({ minimum: 0 }),
  /** The event found at that position (null when it is missing). */
  eventId: Type.Union([Type.String(), Type.Null()]),
  at: Type.Union([Timestamp, Type.Null()]),
  reason: AuditBreakReason,
});
export type AuditBrokenLink = Static<typeof AuditBrokenLink>;

export const AuditVerification = Type.Object({
  ok: Type.Boolean(),
  chains: Type.Integer({ minimum: 0 }),
  /** Events checked (chained ones). */
  events: Type.Integer({ minimum: 0 }),
  /** Events written before the chain existed: they carry no hash and cannot be verified. */
  unchained: Type.Integer({ minimum: 0 }),
  /** The earliest broken link over all chains, or null when every chain verifies. */
  firstBroken: Type.Union([AuditBrokenLink, Type.Null()]),
  /** Every chain that does not verify, each with its first broken link (at most 100). */
  broken: Type.Array(AuditBrokenLink),
  /** SHA-256 over every chain head, sorted: write it down elsewhere to detect a rewrite of the whole database. */
  headsDigest: Type.String(),
  checkedAt: Timestamp,
});
export type AuditVerification = Static<typeof AuditVerification>;
