import { type Static, Type } from 'typebox';
import { DisplayName, Email, Id, StaffRole, Timestamp } from './domain.ts';
import { StaffUser } from './rest.ts';

// Staff accounts (issue 17): admin-managed users, passwords, two-factor sign-in. Bodies and
// replies of the routes under /api/staff, /api/account and the extra /api/auth steps.

/** A staff account as administrators see it. */
export const StaffMember = Type.Object({
  id: Id,
  email: Type.String(),
  displayName: Type.String(),
  role: StaffRole,
  /** false while deactivated: no sign-in, no sessions. */
  active: Type.Boolean(),
  /** Whether a password is set (an invited person has none until they follow the emailed link). */
  hasPassword: Type.Boolean(),
  twoFactor: Type.Boolean(),
  /** Linked to an identity at the clinic's OpenID provider (signs in through single sign-on). */
  singleSignOn: Type.Boolean(),
  createdAt: Timestamp,
  deactivatedAt: Type.Union([Timestamp, Type.Null()]),
});
export type StaffMember = Static<typeof StaffMember>;

export const StaffList = Type.Object({ staff: Type.Array(StaffMember) });
export type StaffList = Static<typeof StaffList>;

export const StaffParams = Type.Object({ userId: Id });

export const InviteStaffBody = Type.Object(
  { email: Email, displayName: DisplayName, role: StaffRole },
  { additionalProperties: false },
);
export type InviteStaffBody = Static<typeof InviteStaffBody>;

export const ChangeRoleBody = Type.Object({ role: StaffRole }, { additionalProperties: false });
export type ChangeRoleBody = Static<typeof ChangeRoleBody>;

/** One signed-in browser of a staff member. */
export const StaffSession = Type.Object({
  id: Id,
  createdAt: Timestamp,
  expiresAt: Timestamp,
  ip: Type.Union([Type.String(), Type.Null()]),
  userAgent: Type.Union([Type.String(), Type.Null()]),
});
export const StaffSessionList = Type.Object({ sessions: Type.Array(StaffSession) });
export type StaffSessionList = Static<typeof StaffSessionList>;

export const EndedSessions = Type.Object({ ended: Type.Integer({ minimum: 0 }) });
export type EndedSessions = Static<typeof EndedSessions>;

/** Length only; the strength rule (zxcvbn on the server) decides the rest and explains a refusal. */
export const NewPassword = Type.String({ minLength: 1, maxLength: 200 });

export const ChangePasswordBody = Type.Object(
  { currentPassword: Type.String({ minLength: 1, maxLength: 200 }), newPassword: NewPassword },
  { additionalProperties: false },
);
export type ChangePasswordBody = Static<typeof ChangePasswordBody>;

/** The token from an emailed set-password or reset link (base64url, 256 bits) and the chosen password. */
export const SetPasswordBody = Type.Object(
  {
    token: Type.String({ minLength: 22, maxLength: 128, pattern: '^[A-Za-z0-9_-]+$' }),
    password: NewPassword,
  },
  { additionalProperties: false },
);
export type SetPasswordBody = Static<typeof SetPasswordBody>;

export const ForgotPasswordBody = Type.Object({ email: Email }, { additionalProperties: false });
export type ForgotPasswordBody = Static<typeof ForgotPasswordBody>;

/** The caller's own account. */
export const Account = Type.Object({
  user: StaffUser,
  hasPassword: Type.Boolean(),
  twoFactor: Type.Boolean(),
  recoveryCodesLeft: Type.Integer({ minimum: 0 }),
});
export type Account = Static<typeof Account>;

/** A pending TOTP enrolment: what the authenticator app needs (QR code as SVG markup, or the secret to type). */
export const TwoFactorSetup = Type.Object({
  secret: Type.String(),
  otpauthUri: Type.String(),
  qrSvg: Type.String(),
});
export type TwoFactorSetup = Static<typeof TwoFactorSetup>;

export const TotpCode = Type.String({ pattern: '^[0-9]{6}$' });
export const TwoFactorCodeBody = Type.Object({ code: TotpCode }, { additionalProperties: false });
export type TwoFactorCodeBody = Static<typeof TwoFactorCodeBody>;

export const RecoveryCodes = Type.Object({ recoveryCodes: Type.Array(Type.String()) });
export type RecoveryCodes = Static<typeof RecoveryCodes>;

export const DisableTwoFactorBody = Type.Object(
  { password: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);
export type DisableTwoFactorBody = Static<typeof DisableTwoFactorBody>;

/** The second step of a sign-in: an authenticator code, or one of the recovery codes. */
export const SecondFactorBody = Type.Union([
  Type.Object({ code: TotpCode }, { additionalProperties: false }),
  Type.Object(
    { recoveryCode: Type.String({ minLength: 8, maxLength: 32, pattern: '^[A-Za-z0-9-]+$' }) },
    { additionalProperties: false },
  ),
]);
export type SecondFactorBody = Static<typeof SecondFactorBody>;
