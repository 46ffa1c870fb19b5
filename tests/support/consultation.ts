// A consultation set up the way people do it, through the real server: a clinician creates it, invites guests by
// email (real SMTP), each guest opens the emailed link in a "browser" of their own (a cookie jar) and is admitted.
import type { Consultation, GuestRole, Invite, OpenInviteReply } from '@consulta/protocol';
import { HttpClient } from './http.ts';
import type { TestServer } from './server.ts';
import { SignalingClient } from './signaling-client.ts';
import type { startSmtpCapture } from './smtp.ts';

type Smtp = Awaited<ReturnType<typeof startSmtpCapture>>;

export async function createConsultation(
  clinician: HttpClient,
  title = 'Consultation',
): Promise<Consultation> {
  const res = await clinician.post<Consultation>('/api/consultations', { title });
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** The invite token from the last email the capture received. */
export async function tokenFromEmail(smtp: Smtp): Promise<string> {
  const text = (await smtp.nextMessage()).text ?? '';
  const token = /\/join#([A-Za-z0-9_-]+)/.exec(text)?.[1];
  if (!token) throw new Error(`no invite link in the email: ${text.slice(0, 200)}`);
  return token;
}

export interface InvitedGuest {
  invite: Invite;
  token: string;
  /** The guest's own browser: its cookie jar holds the guest session once opened. */
  http: HttpClient;
  opened: OpenInviteReply;
}

/** Invites someone by email and opens the emailed link in a fresh browser of theirs. */
export async function inviteAndOpen(
  server: Pick<TestServer, 'url'>,
  smtp: Smtp,
  clinician: HttpClient,
  consultationId: string,
  guest: { displayName?: string; role?: GuestRole } = {},
): Promise<InvitedGuest> {
  const n = Math.random().toString(36).slice(2, 8);
  const sent = await clinician.post<Invite>(`/api/consultations/${consultationId}/invites`, {
    email: `guest-${n}@example.test`,
    displayName: guest.displayName ?? `Guest ${n}`,
    ...(guest.role ? { role: guest.role } : {}),
  });
  if (sent.status !== 201) throw new Error(`invite failed: ${sent.status} ${JSON.stringify(sent.body)}`);
  const token = await tokenFromEmail(smtp);
  const http = new HttpClient(server.url);
  const opened = await http.post<OpenInviteReply>('/api/invites/open', { token });
  if (opened.status !== 200) throw new Error(`open failed: ${opened.status} ${JSON.stringify(opened.body)}`);
  return { invite: sent.body, token, http, opened: opened.body };
}

export interface CallMember {
  id: string;
  ws: SignalingClient;
  http: HttpClient;
  /** From the member's `joined`, to resume after a drop. */
  resumeToken: string;
}

/**
 * A consult with the clinician and `guests` admitted guests, all joined over the signaling socket. The
 * clinician is `people[0]`.
 */
export async function joinedCall(
  server: TestServer,
  smtp: Smtp,
  guests: number,
  options: { title?: string; role?: GuestRole } = {},
): Promise<{ consult: Consultation; clinician: HttpClient; people: CallMember[] }> {
  const clinician = await server.signedIn('CLINICIAN');
  const consult = await createConsultation(clinician, options.title ?? 'Family meeting');
  const doc = await SignalingClient.connect(server.url, clinician.cookieHeader);
  doc.send({ type: 'join', consultationId: consult.id });
  const docJoined = await doc.next('joined');
  const people: CallMember[] = [
    { id: docJoined.self.id, ws: doc, http: clinician, resumeToken: docJoined.resumeToken },
  ];
  for (let i = 0; i < guests; i++) {
    const guest = await inviteAndOpen(server, smtp, clinician, consult.id, {
      displayName: `Guest ${i}`,
      role: options.role ?? 'FAMILY',
    });
    const ws = await SignalingClient.connect(server.url, guest.http.cookieHeader);
    ws.send({ type: 'join', consultationId: consult.id });
    await ws.next('waiting');
    const waiting = await doc.next('lobby', (m) =>
      m.waiting.some((p) => p.id === guest.opened.guest.participantId),
    );
    doc.send({
      type: 'admit',
      participantId: waiting.waiting.find((p) => p.id === guest.opened.guest.participantId)!.id,
    });
    const joined = await ws.next('joined');
    people.push({ id: joined.self.id, ws, http: guest.http, resumeToken: joined.resumeToken });
  }
  return { consult, clinician, people };
}
