// The people of one consultation as the fuzz tests need them, set up through the real server: the clinician, a
// guest admitted into the room and a guest still in the waiting room, each with two sockets (one joined, one open
// and silent: the second socket is how a revoked guest once got back in).
import { CloseCode } from '@consulta/protocol';
import { createConsultation, inviteAndOpen } from './consultation.ts';
import type { HttpClient } from './http.ts';
import { RecordingSocket } from './recording-socket.ts';
import type { TestServer } from './server.ts';
import type { startSmtpCapture } from './smtp.ts';

type Smtp = Awaited<ReturnType<typeof startSmtpCapture>>;

export interface Actor {
  name: 'clinician' | 'admitted guest' | 'waiting guest';
  staff: boolean;
  http: HttpClient;
  /** The participant id in this consultation (the clinician's once joined). */
  participantId: string;
  inviteId: string | null;
  sockets: RecordingSocket[];
  /** Set once the server ended this actor's session (the close code says why). */
  ended: number | null;
}

export interface Cast {
  consultationId: string;
  clinician: Actor;
  admitted: Actor;
  waiting: Actor;
  actors: Actor[];
}

const isType = (type: string) => (m: unknown) => (m as { type?: unknown } | undefined)?.type === type;

async function joinOn(socket: RecordingSocket, consultationId: string, expect: 'joined' | 'waiting') {
  const from = socket.received.length;
  socket.send(JSON.stringify({ type: 'join', consultationId }));
  const i = await socket.waitFor(isType(expect), from);
  if (i === null) throw new Error(`closed (${socket.closeCode}) instead of '${expect}'`);
  return socket.received[i]!.json as { self?: { id: string } };
}

export async function setUpCast(server: TestServer, smtp: Smtp, clinicianHttp?: HttpClient): Promise<Cast> {
  const http = clinicianHttp ?? (await server.signedIn('CLINICIAN'));
  const consult = await createConsultation(http, 'Fuzz');
  const docA = await RecordingSocket.open(server.url, http.cookieHeader);
  const docJoined = await joinOn(docA, consult.id, 'joined');
  const clinician: Actor = {
    name: 'clinician',
    staff: true,
    http,
    participantId: docJoined.self!.id,
    inviteId: null,
    sockets: [docA, await RecordingSocket.open(server.url, http.cookieHeader)],
    ended: null,
  };
  const guest = async (name: Actor['name']): Promise<Actor> => {
    const g = await inviteAndOpen(server, smtp, http, consult.id);
    const a = await RecordingSocket.open(server.url, g.http.cookieHeader);
    await joinOn(a, consult.id, 'waiting');
    return {
      name,
      staff: false,
      http: g.http,
      participantId: g.opened.guest.participantId,
      inviteId: g.invite.id,
      sockets: [a, await RecordingSocket.open(server.url, g.http.cookieHeader)],
      ended: null,
    };
  };
  const admitted = await guest('admitted guest');
  const from = admitted.sockets[0]!.received.length;
  docA.send(JSON.stringify({ type: 'admit', participantId: admitted.participantId }));
  if ((await admitted.sockets[0]!.waitFor(isType('joined'), from)) === null)
    throw new Error('the admitted guest was not let in');
  const waiting = await guest('waiting guest');
  return {
    consultationId: consult.id,
    clinician,
    admitted,
    waiting,
    actors: [clinician, admitted, waiting],
  };
}

/** Close codes that end a session for good: a guest's (access withdrawn, consultation ended) or anyone's. */
export const sessionEndingCodes = (actor: Actor): number[] =>
  actor.staff
    ? [CloseCode.SessionEnded]
    : [CloseCode.SessionEnded, CloseCode.AccessWithdrawn, CloseCode.ConsultationEnded];

export async function closeCast(cast: Cast): Promise<void> {
  await Promise.all(cast.actors.flatMap((a) => a.sockets.map((s) => s.close())));
}
