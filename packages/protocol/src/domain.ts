import { type Static, Type } from 'typebox';
import { StorableFormat } from './formats.ts';

export const StaffRoles = ['CLINICIAN', 'ADMIN'] as const;
export const StaffRole = Type.Enum(StaffRoles);
export type StaffRole = Static<typeof StaffRole>;

/** Roles an invitee can be given; staff join by account. */
export const GuestRoles = ['PATIENT', 'FAMILY', 'INTERPRETER', 'COLLEAGUE'] as const;
export const GuestRole = Type.Enum(GuestRoles);
export type GuestRole = Static<typeof GuestRole>;

export const ParticipantRole = Type.Enum([...StaffRoles, ...GuestRoles]);
export type ParticipantRole = Static<typeof ParticipantRole>;

/**
 * Who may share a screen into a call: clinic staff and invited colleagues, the people who show results. A
 * patient's or family member's screen holds whatever else is open on it (mail, other people's messages), and it
 * would be recorded with the consultation; they show things on camera. The server enforces it (docs/screen-share.md).
 */
export const ScreenShareRoles: readonly ParticipantRole[] = ['CLINICIAN', 'ADMIN', 'COLLEAGUE'];
export const mayShareScreen = (role: ParticipantRole): boolean => ScreenShareRoles.includes(role);

export const ConsultationStatus = Type.Enum(['SCHEDULED', 'WAITING', 'ACTIVE', 'ENDED'] as const);
export type ConsultationStatus = Static<typeof ConsultationStatus>;

export const Admission = Type.Enum(['WAITING', 'ADMITTED', 'DENIED'] as const);
export type Admission = Static<typeof Admission>;

/** Kind of device; the routing policy only lets some kinds relay other people's streams. */
export const DeviceClass = Type.Enum(['desktop', 'laptop', 'tablet', 'mobile']);
export type DeviceClass = Static<typeof DeviceClass>;

export const Topology = Type.Enum(['p2p', 'tree', 'sfu'] as const);
export type Topology = Static<typeof Topology>;

export const Id = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' });
export const Email = Type.String({ format: 'email', maxLength: 254 });
/** A person's name as shown to others: one line of storable text. */
/** The longest display name, for forms' maxlength as well as the schema. */
export const DISPLAY_NAME_MAX_LENGTH = 100;
export const DisplayName = Type.String({
  minLength: 1,
  maxLength: DISPLAY_NAME_MAX_LENGTH,
  format: StorableFormat.Line,
});
/** A title (of a consultation): one line of storable text. */
export const Title = Type.String({ minLength: 1, maxLength: 200, format: StorableFormat.Line });
/** An instant, RFC 3339 with an offset; only values the database and Date hold exactly (see formats.ts). */
export const Timestamp = Type.String({ format: StorableFormat.DateTime });
export const Kbps = Type.Integer({ minimum: 0, maximum: 10_000_000 });
/** A share in percent, 0-100 (a packet loss rate, say). */
export const LossPercent = Type.Number({ minimum: 0, maximum: 100 });

/** Every audited action; the admin app filters by these. */
export const AuditActions = [
  'auth.sign_in',
  'auth.sign_out',
  'consultation.create',
  'consultation.end',
  'consultation.erase_personal_data',
  'invite.send',
  'invite.open',
  'invite.revoke',
  'participant.admit',
  'participant.deny',
  'room.join',
  'room.leave',
  'screen_share.start',
  'screen_share.stop',
  'turn.credentials',
  'audit.read',
  'audit.verify',
  'recording.request',
  'recording.consent',
  'recording.consent_withdrawn',
  'recording.start',
  'recording.stop',
  'recording.blocked',
  'recording.failed',
  'recording.list',
  'recording.download',
  'staff.create',
  'staff.invite',
  'staff.deactivate',
  'staff.reactivate',
  'staff.role',
  'staff.sessions_revoke',
  'auth.password_change',
  'auth.password_set',
  'auth.password_reset_request',
  'auth.second_factor',
  'two_factor.enable',
  'two_factor.disable',
  'media-path.read',
  'visit.export',
  'recording.hold',
  'recording.delete',
  'recording.rewrap',
  'auth.sso',
  'staff.sso_link',
  'settings.sign_in',
] as const;
export const AuditAction = Type.Enum(AuditActions);
export type AuditAction = Static<typeof AuditAction>;
