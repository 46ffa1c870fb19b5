// Shared by the staff-account tests: emailed account links read from the real SMTP capture, and expecting an
// ApiError with a given code from the typed client.
import assert from 'node:assert/strict';
import { ApiError, type ErrorCode } from '@consulta/protocol';
import type { startSmtpCapture } from '../support/smtp.ts';

type Smtp = Awaited<ReturnType<typeof startSmtpCapture>>;

/** The next email's set-password link: its app path and its token. */
export async function accountLinkFromEmail(
  smtp: Smtp,
): Promise<{ to: string; app: string; token: string; subject: string }> {
  const mail = await smtp.nextMessage();
  const text = mail.text ?? '';
  const m = /\/(admin|clinician)\/#set-password=([A-Za-z0-9_-]+)/.exec(text);
  if (!m) throw new Error(`no account link in the email: ${text.slice(0, 300)}`);
  const to = Array.isArray(mail.to) ? mail.to[0]!.text : (mail.to?.text ?? '');
  return { to, app: m[1]!, token: m[2]!, subject: mail.subject ?? '' };
}

/** Awaits a call that must fail with `code`; returns the error for further checks. */
export async function rejectsWith(call: Promise<unknown>, code: ErrorCode): Promise<ApiError> {
  try {
    await call;
  } catch (err) {
    assert.ok(err instanceof ApiError, `expected an ApiError, got ${String(err)}`);
    assert.equal(err.code, code, `expected ${code}, got ${err.code}: ${err.message}`);
    return err;
  }
  assert.fail(`expected ${code}, but the call succeeded`);
}

/** A password zxcvbn scores as strong (four unrelated words). */
export const strongPassword = (n = 0) => `velvet-anchor-mosaic-thunder-${n}`;
