import { type Static, Type } from 'typebox';
import { StaffUser } from './rest.ts';

// Single sign-on through the clinic's OpenID Connect provider, and the clinic-wide sign-in settings
// (docs/staff-accounts.md).

/** Which staff app a single sign-on started from, and returns to. */
export const StaffApp = Type.Union([Type.Literal('clinician'), Type.Literal('admin')]);
export type StaffApp = Static<typeof StaffApp>;

/** What the sign-in pages offer besides email and password. */
export const SignInOptions = Type.Object({
  /** null: no single sign-on configured; else the button's label ("Sign in with <label>"). */
  sso: Type.Union([Type.Null(), Type.Object({ label: Type.String() })]),
});
export type SignInOptions = Static<typeof SignInOptions>;

export const SsoStartQuery = Type.Object({ app: StaffApp }, { additionalProperties: false });
export type SsoStartQuery = Static<typeof SsoStartQuery>;

/**
 * What the identity provider appends to the redirect URL: a code and the state, or an error (RFC 6749 §4.1.2).
 * Other parameters (iss, session_state, …) pass through to openid-client, which checks what it knows.
 */
export const SsoCallbackQuery = Type.Object({
  code: Type.Optional(Type.String({ maxLength: 2048 })),
  state: Type.Optional(Type.String({ maxLength: 512 })),
  error: Type.Optional(Type.String({ maxLength: 256 })),
  error_description: Type.Optional(Type.String({ maxLength: 2048 })),
});
export type SsoCallbackQuery = Static<typeof SsoCallbackQuery>;

/**
 * The fragment a failed single sign-on returns the browser to: `/<app>/#sso-error=<ErrorCode>`. The sign-in page
 * reads it and says what went wrong.
 */
export const SSO_ERROR_FRAGMENT = 'sso-error';

/**
 * Where a single sign-on that still needs Consulta's own second factor returns the browser: `/<app>/#second-factor`
 * (a code) or `/<app>/#two-factor-enrolment` (required and not set up yet).
 */
export const SSO_NEXT_FRAGMENTS = ['second-factor', 'two-factor-enrolment'] as const;

/** Clinic-wide sign-in settings an admin changes at run time. */
export const SignInSettings = Type.Object(
  {
    /** Every staff member must use two-factor sign-in; one without it enrols before getting a session. */
    requireTwoFactor: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type SignInSettings = Static<typeof SignInSettings>;

/** The end of a sign-in that had to enrol two-factor first: the session's user and the recovery codes, shown once. */
export const EnrolledSignIn = Type.Object({ user: StaffUser, recoveryCodes: Type.Array(Type.String()) });
export type EnrolledSignIn = Static<typeof EnrolledSignIn>;
