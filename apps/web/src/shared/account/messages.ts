// What a failed account call means to the person at the screen.
import { ApiError } from '../api.ts';

export function accountErrorText(err: unknown): string {
  if (!(err instanceof ApiError)) return (err as Error).message;
  switch (err.code) {
    case 'INVALID_CREDENTIALS':
      return 'Wrong email or password.';
    case 'INVALID_CODE':
      return 'That code is wrong or was already used. Wait for the next code and try again.';
    case 'RATE_LIMITED':
      return err.message;
    case 'LINK_INVALID':
      return 'This link has expired or was already used. Ask for a new one with “Forgot password?”.';
    default:
      // WEAK_PASSWORD and the rest carry a message meant to be read.
      return err.message;
  }
}

/** What a single sign-on that came back with an error code (`#sso-error=…`) means to the person. */
export function ssoErrorText(code: string): string {
  switch (code) {
    case 'SSO_NOT_ALLOWED':
      return 'Your organisation signed you in, but you have no active Consulta account. Ask your administrator.';
    case 'SSO_FAILED':
      return 'Signing in through your organisation did not complete. Please try again.';
    default:
      return 'Single sign-on is not available just now. Sign in with your password.';
  }
}
