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
