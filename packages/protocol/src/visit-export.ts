import { type Static, Type } from 'typebox';
import { AuditBrokenLink } from './audit-chain.ts';
import { Id, Timestamp } from './domain.ts';
import { MediaPathSpan } from './media-path.ts';
import { Recording } from './recording.ts';
import { AuditEventFields, Consultation, Invite, Participant } from './rest.ts';

// The visit export: everything Consulta holds about one consultation, as one JSON document an auditor can keep
// and check on their own (GET /api/consultations/:id/export). docs/health-data.md describes how to re-verify
// its audit chain without Consulta.

/** An audit event with its place in the hash chain, as stored. */
export const ChainedAuditEvent = Type.Object({
  ...AuditEventFields,
  chainKey: Type.Union([Type.String(), Type.Null()]),
  seq: Type.Union([Type.Integer(), Type.Null()]),
  prevHash: Type.Union([Type.String(), Type.Null()]),
  hash: Type.Union([Type.String(), Type.Null()]),
});
export type ChainedAuditEvent = Static<typeof ChainedAuditEvent>;

/** An admission decision as the audit trail recorded it. */
export const AdmissionDecision = Type.Object({
  participantId: Type.String(),
  decision: Type.Enum(['ADMITTED', 'DENIED'] as const),
  at: Timestamp,
  byStaffId: Type.Union([Type.String(), Type.Null()]),
});
export type AdmissionDecision = Static<typeof AdmissionDecision>;

export const VisitExport = Type.Object({
  format: Type.Literal('consulta-visit-export'),
  version: Type.Literal(1),
  exportedAt: Timestamp,
  exportedBy: Type.Object({ id: Id, displayName: Type.String() }),
  consultation: Consultation,
  participants: Type.Array(Participant),
  invites: Type.Array(Invite),
  admissions: Type.Array(AdmissionDecision),
  mediaPaths: Type.Array(MediaPathSpan),
  recordings: Type.Array(Recording),
  /** Every audit event of the consultation, in chain order (its export included). */
  auditEvents: Type.Array(ChainedAuditEvent),
  /** The consultation's chain as verified when exported: its head and the first broken link, if any. */
  auditChain: Type.Object({
    chainKey: Type.String(),
    headSeq: Type.Integer({ minimum: 0 }),
    headHash: Type.String(),
    ok: Type.Boolean(),
    firstBroken: Type.Union([AuditBrokenLink, Type.Null()]),
  }),
});
export type VisitExport = Static<typeof VisitExport>;
