import { escapeHtml } from './escape-html.ts';
import type { LinkToSend, OutgoingEmail } from './mailer.ts';

export function inviteEmail(
  input: LinkToSend & { guestName: string; clinicianName: string; title: string },
): OutgoingEmail {
  const expires = input.expiresAt.toUTCString();
  const text = [
    `Hello ${input.guestName},`,
    '',
    `${input.clinicianName} has invited you to a video consultation: ${input.title}.`,
    '',
    `Join here: ${input.link}`,
    '',
    `The link is personal; please do not share it. It works until ${expires}.`,
    'You will wait in a waiting room until your clinician lets you in.',
  ].join('\n');
  const html = `<p>Hello ${escapeHtml(input.guestName)},</p>
<p>${escapeHtml(input.clinicianName)} has invited you to a video consultation: <strong>${escapeHtml(input.title)}</strong>.</p>
<p><a href="${escapeHtml(input.link)}">Join the consultation</a></p>
<p>The link is personal; please do not share it. It works until ${escapeHtml(expires)}.<br>
You will wait in a waiting room until your clinician lets you in.</p>`;
  return { to: input.to, subject: `Your video consultation: ${input.title}`, text, html, link: input.link };
}
