import { escapeHtml } from './escape-html.ts';
import type { LinkToSend, OutgoingEmail } from './mailer.ts';

/** A new staff member's invitation: the link sets their first password. */
export function staffInviteEmail(
  input: LinkToSend & { name: string; invitedBy: string; role: string },
): OutgoingEmail {
  const expires = input.expiresAt.toUTCString();
  const role = input.role === 'ADMIN' ? 'an administrator' : 'a clinician';
  const text = [
    `Hello ${input.name},`,
    '',
    `${input.invitedBy} has created a Consulta account for you as ${role}.`,
    '',
    `Choose your password here: ${input.link}`,
    '',
    `The link works once, until ${expires}.`,
  ].join('\n');
  const html = `<p>Hello ${escapeHtml(input.name)},</p>
<p>${escapeHtml(input.invitedBy)} has created a Consulta account for you as ${role}.</p>
<p><a href="${escapeHtml(input.link)}">Choose your password</a></p>
<p>The link works once, until ${escapeHtml(expires)}.</p>`;
  return { to: input.to, subject: 'Your Consulta account', text, html, link: input.link };
}

/** A password reset someone asked for (maybe not the owner: the email says what to do then). */
export function passwordResetEmail(input: LinkToSend & { name: string }): OutgoingEmail {
  const expires = input.expiresAt.toUTCString();
  const text = [
    `Hello ${input.name},`,
    '',
    `Someone asked to reset the password of your Consulta account. To choose a new one: ${input.link}`,
    '',
    `The link works once, until ${expires}. Setting a new password signs you out everywhere.`,
    'If you did not ask for this, ignore this email: your password stays as it is.',
  ].join('\n');
  const html = `<p>Hello ${escapeHtml(input.name)},</p>
<p>Someone asked to reset the password of your Consulta account.</p>
<p><a href="${escapeHtml(input.link)}">Choose a new password</a></p>
<p>The link works once, until ${escapeHtml(expires)}. Setting a new password signs you out everywhere.<br>
If you did not ask for this, ignore this email: your password stays as it is.</p>`;
  return { to: input.to, subject: 'Reset your Consulta password', text, html, link: input.link };
}

/** Where an emailed account link lands: the app of the person's role, the token in the fragment (never logged). */
export function accountLink(publicUrl: string, role: string, token: string): string {
  return `${publicUrl}/${role === 'ADMIN' ? 'admin' : 'clinician'}/#set-password=${token}`;
}
