import { ErrorCode as E } from './errors.ts';
import { LinkProbeQuery, LinkProbeUploadReply } from './link-probe.ts';
import { RecordingList, RecordingParams, RecordingQuery, Recording as RecordingSchema } from './recording.ts';
import {
  AuditList,
  AuditQuery,
  ConsultationDetail,
  ConsultationList,
  ConsultationParams,
  Consultation as ConsultationSchema,
  CreateConsultationBody,
  CreateInviteBody,
  Health,
  InviteParams,
  Invite as InviteSchema,
  Me,
  Ok,
  OpenInviteBody,
  OpenInviteReply,
  ParticipantParams,
  SignInBody,
  StaffUser,
  TurnCredentials,
} from './rest.ts';
import { defineRoute } from './route.ts';

// Every REST route, once. The server registers each from here (apps/server/src/http/serve-route.ts) and the
// typed client (api-client.ts) calls them by name; nobody else writes a path.

const signedIn = [E.Unauthenticated] as const;
const staffOnly = [E.Unauthenticated, E.Forbidden] as const;

export const Routes = {
  // ---- auth --------------------------------------------------------------------------------------------------
  signIn: defineRoute({
    method: 'POST',
    path: '/api/auth/sign-in',
    summary: 'Staff sign-in with email and password; sets the session cookie',
    tag: 'auth',
    access: 'anyone',
    body: SignInBody,
    reply: StaffUser,
    status: 200,
    errors: [E.InvalidCredentials, E.RateLimited],
  }),
  signOut: defineRoute({
    method: 'POST',
    path: '/api/auth/sign-out',
    summary: 'Ends the caller’s session (staff or guest) and closes its sockets',
    tag: 'auth',
    access: 'signed-in',
    reply: Ok,
    status: 200,
    errors: signedIn,
  }),
  me: defineRoute({
    method: 'GET',
    path: '/api/auth/me',
    summary: 'Who the caller is: a staff member or an invited guest',
    tag: 'auth',
    access: 'signed-in',
    reply: Me,
    status: 200,
    errors: signedIn,
  }),

  // ---- consultations -----------------------------------------------------------------------------------------
  listConsultations: defineRoute({
    method: 'GET',
    path: '/api/consultations',
    summary: 'Consultations: a clinician’s own, all for admins',
    tag: 'consultations',
    access: 'staff',
    reply: ConsultationList,
    status: 200,
    errors: staffOnly,
  }),
  createConsultation: defineRoute({
    method: 'POST',
    path: '/api/consultations',
    summary: 'Creates a consultation led by the calling clinician',
    tag: 'consultations',
    access: 'clinician',
    body: CreateConsultationBody,
    reply: ConsultationSchema,
    status: 201,
    errors: staffOnly,
  }),
  getConsultation: defineRoute({
    method: 'GET',
    path: '/api/consultations/:consultationId',
    summary: 'A consultation with its invites and participants',
    tag: 'consultations',
    access: 'staff',
    params: ConsultationParams,
    reply: ConsultationDetail,
    status: 200,
    errors: [...staffOnly, E.NotFound],
  }),
  endConsultation: defineRoute({
    method: 'POST',
    path: '/api/consultations/:consultationId/end',
    summary: 'Ends a consultation: the room closes and its links stop working',
    tag: 'consultations',
    access: 'staff',
    params: ConsultationParams,
    reply: ConsultationSchema,
    status: 200,
    errors: [...staffOnly, E.NotFound],
  }),
  admitParticipant: defineRoute({
    method: 'POST',
    path: '/api/consultations/:consultationId/participants/:participantId/admit',
    summary: 'Lets a waiting guest into the call',
    tag: 'consultations',
    access: 'staff',
    params: ParticipantParams,
    reply: Ok,
    status: 200,
    errors: [...staffOnly, E.NotFound, E.ConsultationEnded],
  }),
  denyParticipant: defineRoute({
    method: 'POST',
    path: '/api/consultations/:consultationId/participants/:participantId/deny',
    summary: 'Turns a waiting guest away; their session ends',
    tag: 'consultations',
    access: 'staff',
    params: ParticipantParams,
    reply: Ok,
    status: 200,
    errors: [...staffOnly, E.NotFound, E.ConsultationEnded],
  }),

  // ---- invites -----------------------------------------------------------------------------------------------
  createInvite: defineRoute({
    method: 'POST',
    path: '/api/consultations/:consultationId/invites',
    summary: 'Invites someone by email (the token travels only in the email)',
    tag: 'invites',
    access: 'clinician',
    params: ConsultationParams,
    body: CreateInviteBody,
    reply: InviteSchema,
    status: 201,
    errors: [...staffOnly, E.NotFound, E.ConsultationEnded],
  }),
  revokeInvite: defineRoute({
    method: 'DELETE',
    path: '/api/consultations/:consultationId/invites/:inviteId',
    summary: 'Revokes an invite; whoever came in through it is removed at once',
    tag: 'invites',
    access: 'clinician',
    params: InviteParams,
    reply: InviteSchema,
    status: 200,
    errors: [...staffOnly, E.NotFound, E.ConsultationEnded],
  }),
  openInvite: defineRoute({
    method: 'POST',
    path: '/api/invites/open',
    summary: 'Opens an emailed invite: a guest session in the waiting room',
    tag: 'invites',
    access: 'anyone',
    body: OpenInviteBody,
    reply: OpenInviteReply,
    status: 200,
    errors: [E.InviteInvalid, E.InviteExpired, E.InviteRevoked, E.ConsultationEnded, E.RateLimited],
  }),

  // ---- media -------------------------------------------------------------------------------------------------
  turnCredentials: defineRoute({
    method: 'GET',
    path: '/api/turn/credentials',
    summary: 'ICE servers with short-lived TURN REST credentials',
    tag: 'turn',
    access: 'signed-in',
    reply: TurnCredentials,
    status: 200,
    errors: signedIn,
  }),

  linkProbeDownload: defineRoute({
    method: 'GET',
    path: '/api/link-probe',
    summary: 'The link probe: `bytes` random bytes to time the caller’s downlink (rate-limited per person)',
    tag: 'routing',
    access: 'signed-in',
    query: LinkProbeQuery,
    reply: 'file',
    status: 200,
    errors: [E.Unauthenticated, E.RateLimited],
  }),
  linkProbeUpload: defineRoute({
    method: 'POST',
    path: '/api/link-probe',
    summary: 'The link probe: bytes sent as application/octet-stream, counted and timed, never kept',
    tag: 'routing',
    access: 'signed-in',
    body: 'bytes',
    reply: LinkProbeUploadReply,
    status: 200,
    errors: [E.Unauthenticated, E.RateLimited, E.MessageTooLarge],
  }),

  // ---- audit -------------------------------------------------------------------------------------------------
  listAudit: defineRoute({
    method: 'GET',
    path: '/api/audit',
    summary: 'Audit events, newest first (reading them is audited too)',
    tag: 'audit',
    access: 'admin',
    query: AuditQuery,
    reply: AuditList,
    status: 200,
    errors: staffOnly,
  }),

  // ---- recordings --------------------------------------------------------------------------------------------
  requestRecording: defineRoute({
    method: 'POST',
    path: '/api/consultations/:consultationId/recordings',
    summary: 'Asks everyone present for consent to record; records once all agree',
    tag: 'recordings',
    access: 'admin',
    params: ConsultationParams,
    reply: RecordingSchema,
    status: 201,
    errors: [...staffOnly, E.NotFound, E.ConsultationEnded, E.Conflict, E.SfuUnavailable],
  }),
  stopRecording: defineRoute({
    method: 'POST',
    path: '/api/recordings/:recordingId/stop',
    summary: 'Stops a recording (or cancels its consent request)',
    tag: 'recordings',
    access: 'admin',
    params: RecordingParams,
    reply: RecordingSchema,
    status: 200,
    errors: [...staffOnly, E.NotFound],
  }),
  listRecordings: defineRoute({
    method: 'GET',
    path: '/api/recordings',
    summary: 'Recordings, newest first (listing is audited)',
    tag: 'recordings',
    access: 'admin',
    query: RecordingQuery,
    reply: RecordingList,
    status: 200,
    errors: staffOnly,
  }),
  getRecording: defineRoute({
    method: 'GET',
    path: '/api/recordings/:recordingId',
    summary: 'One recording with its consents',
    tag: 'recordings',
    access: 'admin',
    params: RecordingParams,
    reply: RecordingSchema,
    status: 200,
    errors: [...staffOnly, E.NotFound],
  }),
  recordingFile: defineRoute({
    method: 'GET',
    path: '/api/recordings/:recordingId/file',
    summary: 'Downloads a finished recording (audited)',
    tag: 'recordings',
    access: 'admin',
    params: RecordingParams,
    reply: 'file',
    status: 200,
    errors: [...staffOnly, E.NotFound, E.Conflict],
  }),

  // ---- operations --------------------------------------------------------------------------------------------
  health: defineRoute({
    method: 'GET',
    path: '/healthz',
    summary: 'Liveness and database reachability (503 with the same body when degraded)',
    tag: 'ops',
    access: 'anyone',
    reply: Health,
    status: 200,
    errors: [],
  }),
} as const;

export type Routes = typeof Routes;
export type RouteName = keyof Routes;

/** The signaling WebSocket's path (same origin, upgraded). */
export const SIGNALING_PATH = '/ws';

/** Prometheus metrics (text format, not JSON: outside the route table). Ops only: token or loopback. */
export const METRICS_PATH = '/metrics';
