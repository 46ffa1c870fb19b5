import { type Static, Type } from 'typebox';

/**
 * Every error the server reports, over HTTP and WebSocket alike. Clients branch on `code`; `message` is for
 * people and never carries internals.
 */
export const ErrorCode = {
  ValidationFailed: 'VALIDATION_FAILED',
  MalformedMessage: 'MALFORMED_MESSAGE',
  MessageTooLarge: 'MESSAGE_TOO_LARGE',
  RateLimited: 'RATE_LIMITED',
  Unauthenticated: 'UNAUTHENTICATED',
  InvalidCredentials: 'INVALID_CREDENTIALS',
  Forbidden: 'FORBIDDEN',
  NotFound: 'NOT_FOUND',
  Conflict: 'CONFLICT',
  InviteInvalid: 'INVITE_INVALID',
  InviteExpired: 'INVITE_EXPIRED',
  InviteRevoked: 'INVITE_REVOKED',
  ConsultationEnded: 'CONSULTATION_ENDED',
  NotAdmitted: 'NOT_ADMITTED',
  NotInRoom: 'NOT_IN_ROOM',
  UnknownPeer: 'UNKNOWN_PEER',
  ResumeFailed: 'RESUME_FAILED',
  /** The room is not on the SFU (or no longer), so SFU requests make no sense now. */
  NotOnSfu: 'NOT_ON_SFU',
  /** The server runs without a mediasoup worker: no SFU, so no recording. */
  SfuUnavailable: 'SFU_UNAVAILABLE',
  /** A recording runs and this participant has not consented, so their media may not flow. */
  ConsentRequired: 'CONSENT_REQUIRED',
  /** A consent withdrawal while no recording of the consultation runs (asked only: answer the request instead). */
  NotRecording: 'NOT_RECORDING',
  /** A consent withdrawal from someone the running recording does not record (never agreed, or already withdrew). */
  NoConsentToWithdraw: 'NO_CONSENT_TO_WITHDRAW',
  /** Consent again after withdrawing it: not during the same recording (docs/recording.md). */
  ConsentWithdrawn: 'CONSENT_WITHDRAWN',
  /** A new password the strength rule refuses; the message says why and how to do better. */
  WeakPassword: 'WEAK_PASSWORD',
  /** An emailed account link (set password, reset) that is unknown, used or expired: one answer for all three. */
  LinkInvalid: 'LINK_INVALID',
  /** The password was right and the account has two-factor sign-in: send a code to the second-factor route. */
  SecondFactorRequired: 'SECOND_FACTOR_REQUIRED',
  /** A wrong, reused or expired authenticator or recovery code. */
  InvalidCode: 'INVALID_CODE',
  /**
   * A stored recording failed its integrity check (altered, cut short, or sealed under a master key that is not
   * configured): nothing of it is served as if it were fine.
   */
  RecordingDamaged: 'RECORDING_DAMAGED',
  /** Single sign-on is not configured on this server. */
  SsoUnavailable: 'SSO_UNAVAILABLE',
  /**
   * A single sign-on that could not be verified: an unknown, used or expired state, an identity provider error, an
   * ID token with the wrong audience, expired or badly signed. Nobody is signed in.
   */
  SsoFailed: 'SSO_FAILED',
  /** The identity provider vouched for the person, but Consulta will not let them in (see the message). */
  SsoNotAllowed: 'SSO_NOT_ALLOWED',
  /** Staff must use two-factor sign-in and this person has none yet: enrol first (the sign-in reply's cookie). */
  TwoFactorEnrolmentRequired: 'TWO_FACTOR_ENROLMENT_REQUIRED',
  Internal: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export const ErrorCodeSchema = Type.Enum(ErrorCode);

/** Body of every non-2xx HTTP reply. */
export const ErrorBody = Type.Object({
  error: Type.Object({
    code: ErrorCodeSchema,
    message: Type.String(),
    /** Request id to quote to support when code is INTERNAL. */
    requestId: Type.Optional(Type.String()),
  }),
});
export type ErrorBody = Static<typeof ErrorBody>;

/** HTTP status each code maps to. */
export const httpStatusOf: Record<ErrorCode, number> = {
  VALIDATION_FAILED: 400,
  MALFORMED_MESSAGE: 400,
  MESSAGE_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  UNAUTHENTICATED: 401,
  INVALID_CREDENTIALS: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  INVITE_INVALID: 404,
  INVITE_EXPIRED: 410,
  INVITE_REVOKED: 410,
  CONSULTATION_ENDED: 410,
  NOT_ADMITTED: 403,
  NOT_IN_ROOM: 409,
  UNKNOWN_PEER: 404,
  RESUME_FAILED: 409,
  NOT_ON_SFU: 409,
  SFU_UNAVAILABLE: 503,
  CONSENT_REQUIRED: 403,
  NOT_RECORDING: 409,
  NO_CONSENT_TO_WITHDRAW: 409,
  CONSENT_WITHDRAWN: 409,
  WEAK_PASSWORD: 400,
  LINK_INVALID: 410,
  SECOND_FACTOR_REQUIRED: 401,
  INVALID_CODE: 401,
  RECORDING_DAMAGED: 500,
  SSO_UNAVAILABLE: 404,
  SSO_FAILED: 401,
  SSO_NOT_ALLOWED: 403,
  TWO_FACTOR_ENROLMENT_REQUIRED: 401,
  INTERNAL: 500,
};
