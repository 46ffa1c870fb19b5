import { type Static, Type } from 'typebox';
import {
  Admission,
  AuditAction,
  ConsultationStatus,
  DisplayName,
  Email,
  GuestRole,
  Id,
  ParticipantRole,
  StaffRole,
  Timestamp,
  Title,
  Topology,
} from './domain.ts';

// Every REST body and reply. The server registers these with fastify (validation + OpenAPI); clients import the
// inferred types.

export const SignInBody = Type.Object(
  { email: Email, password: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);
export type SignInBody = Static<typeof SignInBody>;

export const StaffUser = Type.Object({
  id: Id,
  email: Type.String(),
  displayName: Type.String(),
  role: StaffRole,
});
export type StaffUser = Static<typeof StaffUser>;

export const GuestIdentity = Type.Object({
  participantId: Id,
  consultationId: Id,
  displayName: Type.String(),
  role: GuestRole,
  admission: Admission,
});
export type GuestIdentity = Static<typeof GuestIdentity>;

/** Who the caller is: a signed-in staff member or a guest who opened an invite. */
export const Me = Type.Union([
  Type.Object({ kind: Type.Literal('staff'), user: StaffUser }),
  Type.Object({ kind: Type.Literal('guest'), guest: GuestIdentity }),
]);
export type Me = Static<typeof Me>;

export const CreateConsultationBody = Type.Object(
  {
    title: Title,
    scheduledFor: Type.Optional(Timestamp),
  },
  { additionalProperties: false },
);
export type CreateConsultationBody = Static<typeof CreateConsultationBody>;

export const Participant = Type.Object({
  id: Id,
  displayName: Type.String(),
  role: ParticipantRole,
  admission: Admission,
  joinedAt: Type.Union([Timestamp, Type.Null()]),
  leftAt: Type.Union([Timestamp, Type.Null()]),
});
export type Participant = Static<typeof Participant>;

export const Invite = Type.Object({
  id: Id,
  email: Type.String(),
  displayName: Type.String(),
  role: GuestRole,
  expiresAt: Timestamp,
  revokedAt: Type.Union([Timestamp, Type.Null()]),
  openedAt: Type.Union([Timestamp, Type.Null()]),
});
export type Invite = Static<typeof Invite>;

export const Consultation = Type.Object({
  id: Id,
  title: Type.String(),
  status: ConsultationStatus,
  clinician: Type.Object({ id: Id, displayName: Type.String() }),
  scheduledFor: Type.Union([Timestamp, Type.Null()]),
  startedAt: Type.Union([Timestamp, Type.Null()]),
  endedAt: Type.Union([Timestamp, Type.Null()]),
  createdAt: Timestamp,
  topology: Type.Union([Topology, Type.Null()]),
  /** When retention erased its title and its guests' names and emails (they then read ERASED_TEXT); else null. */
  personalDataErasedAt: Type.Union([Timestamp, Type.Null()]),
});
export type Consultation = Static<typeof Consultation>;

export const ConsultationDetail = Type.Intersect([
  Consultation,
  Type.Object({ invites: Type.Array(Invite), participants: Type.Array(Participant) }),
]);
export type ConsultationDetail = Static<typeof ConsultationDetail>;

export const ConsultationList = Type.Object({ consultations: Type.Array(Consultation) });
export type ConsultationList = Static<typeof ConsultationList>;

export const CreateInviteBody = Type.Object(
  { email: Email, displayName: DisplayName, role: Type.Optional(GuestRole) },
  { additionalProperties: false },
);
export type CreateInviteBody = Static<typeof CreateInviteBody>;

/** The invite token as it arrives from the emailed link (base64url, 256 bits). */
export const OpenInviteBody = Type.Object(
  { token: Type.String({ minLength: 22, maxLength: 128, pattern: '^[A-Za-z0-9_-]+$' }) },
  { additionalProperties: false },
);
export type OpenInviteBody = Static<typeof OpenInviteBody>;

export const OpenInviteReply = Type.Object({
  guest: GuestIdentity,
  consultation: Type.Object({ id: Id, title: Type.String(), clinicianName: Type.String() }),
});
export type OpenInviteReply = Static<typeof OpenInviteReply>;

export const ConsultationParams = Type.Object({ consultationId: Id });
export const InviteParams = Type.Object({ consultationId: Id, inviteId: Id });
export const ParticipantParams = Type.Object({ consultationId: Id, participantId: Id });

export const IceServer = Type.Object({
  urls: Type.Array(Type.String()),
  username: Type.Optional(Type.String()),
  credential: Type.Optional(Type.String()),
});
export const TurnCredentials = Type.Object({
  iceServers: Type.Array(IceServer),
  expiresAt: Timestamp,
  ttlSeconds: Type.Integer(),
});
export type TurnCredentials = Static<typeof TurnCredentials>;

export const AuditQuery = Type.Object(
  {
    consultationId: Type.Optional(Id),
    action: Type.Optional(AuditAction),
    /** Events this person did or that were done to them (a staff user id or a participant id). */
    personId: Type.Optional(Id),
    /** From this moment (inclusive) to `to` (exclusive). */
    from: Type.Optional(Timestamp),
    to: Type.Optional(Timestamp),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
    before: Type.Optional(Timestamp),
    /** The previous page's `nextCursor`: the page after it (keyset, stable while events are added). */
    cursor: Type.Optional(Type.String({ maxLength: 128, pattern: '^[0-9TZ:.+-]+_[0-9a-zA-Z-]+$' })),
  },
  { additionalProperties: false },
);
export type AuditQuery = Static<typeof AuditQuery>;

/** Who an audit event's actor or target is, resolved by the server (staff user or participant). */
export const AuditPerson = Type.Object({
  id: Id,
  displayName: DisplayName,
  /** A staff role or a participant's role. */
  role: Type.Union([StaffRole, ParticipantRole]),
});
export type AuditPerson = Static<typeof AuditPerson>;

/** An audit event's stored fields, shared by the admin's list (below) and the visit export's chained events. */
export const AuditEventFields = {
  id: Id,
  at: Timestamp,
  action: Type.String(),
  actorType: Type.String(),
  actorId: Type.Union([Type.String(), Type.Null()]),
  targetType: Type.Union([Type.String(), Type.Null()]),
  targetId: Type.Union([Type.String(), Type.Null()]),
  consultationId: Type.Union([Type.String(), Type.Null()]),
  ip: Type.Union([Type.String(), Type.Null()]),
  outcome: Type.String(),
  details: Type.Unknown(),
};

export const AuditEvent = Type.Object({
  ...AuditEventFields,
  /** The actor and target by name and role, when they are people this server knows. */
  actor: Type.Union([AuditPerson, Type.Null()]),
  target: Type.Union([AuditPerson, Type.Null()]),
});
export type AuditEvent = Static<typeof AuditEvent>;

export const AuditList = Type.Object({
  events: Type.Array(AuditEvent),
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});
export type AuditList = Static<typeof AuditList>;

export const Health = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')]),
  database: Type.Boolean(),
});
export type Health = Static<typeof Health>;

export const Ok = Type.Object({ ok: Type.Literal(true) });
