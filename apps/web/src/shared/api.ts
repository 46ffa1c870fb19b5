// Typed fetch helpers for the REST API (same origin; cookies carry the staff session or the guest identity).
import type {
  AuditList,
  AuditQuery,
  Consultation,
  ConsultationDetail,
  ConsultationList,
  CreateConsultationBody,
  CreateInviteBody,
  ErrorCode,
  Invite,
  Me,
  OpenInviteReply,
  Recording,
  RecordingList,
  SignInBody,
  StaffUser,
  TurnCredentials,
} from '@consulta/protocol';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode | 'NETWORK',
    message: string,
  ) {
    super(message);
  }
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? null : JSON.stringify(body),
    });
  } catch (err) {
    throw new ApiError(0, 'NETWORK', `Cannot reach the server (${(err as Error).message})`);
  }
  const text = await res.text();
  const json: unknown = text ? JSON.parse(text) : null;
  if (!res.ok) {
    const error = (json as { error?: { code?: ErrorCode; message?: string } } | null)?.error;
    throw new ApiError(res.status, error?.code ?? 'INTERNAL', error?.message ?? `HTTP ${res.status}`);
  }
  return json as T;
}

export const api = {
  signIn: (body: SignInBody) => request<StaffUser>('POST', '/api/auth/sign-in', body),
  signOut: () => request<unknown>('POST', '/api/auth/sign-out'),
  me: () => request<Me>('GET', '/api/auth/me'),
  consultations: () => request<ConsultationList>('GET', '/api/consultations'),
  createConsultation: (body: CreateConsultationBody) =>
    request<Consultation>('POST', '/api/consultations', body),
  consultation: (id: string) => request<ConsultationDetail>('GET', `/api/consultations/${id}`),
  endConsultation: (id: string) => request<unknown>('POST', `/api/consultations/${id}/end`),
  invite: (id: string, body: CreateInviteBody) =>
    request<Invite>('POST', `/api/consultations/${id}/invites`, body),
  revokeInvite: (id: string, inviteId: string) =>
    request<Invite>('DELETE', `/api/consultations/${id}/invites/${inviteId}`),
  turnCredentials: () => request<TurnCredentials>('GET', '/api/turn/credentials'),
  openInvite: (token: string) => request<OpenInviteReply>('POST', '/api/invites/open', { token }),
  startRecording: (consultationId: string) =>
    request<Recording>('POST', `/api/consultations/${consultationId}/recordings`),
  stopRecording: (recordingId: string) => request<Recording>('POST', `/api/recordings/${recordingId}/stop`),
  recording: (recordingId: string) => request<Recording>('GET', `/api/recordings/${recordingId}`),
  recordings: (consultationId?: string) =>
    request<RecordingList>(
      'GET',
      `/api/recordings${consultationId ? `?consultationId=${encodeURIComponent(consultationId)}` : ''}`,
    ),
  audit: (query: AuditQuery = {}) => {
    const qs = new URLSearchParams(
      Object.entries(query).flatMap(([k, v]) => (v === undefined ? [] : [[k, String(v)]])),
    );
    return request<AuditList>('GET', `/api/audit${qs.size ? `?${qs}` : ''}`);
  },
};

/** Where a recording's file downloads from (a plain link: the browser streams it to disk). */
export const recordingFileUrl = (recordingId: string) => `/api/recordings/${recordingId}/file`;

/** The signed-in staff member, or null (401 or a guest cookie). */
export async function currentStaff(): Promise<StaffUser | null> {
  try {
    const me = await api.me();
    return me.kind === 'staff' ? me.user : null;
  } catch {
    return null;
  }
}
