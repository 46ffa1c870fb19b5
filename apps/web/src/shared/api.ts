// The REST API for the apps: the typed client derived from the route table in packages/protocol (same origin;
// cookies carry the staff session or the guest's). No path is written here: `api.getConsultation({ params })`.
import { ApiError, apiUrl, createApiClient, Routes, type StaffUser } from '@consulta/protocol';

export { ApiError };

export const api = createApiClient({ fetch: (url, init) => fetch(url, init) });

/** Where a recording's file downloads from (a plain link: the browser streams it to disk). */
export const recordingFileUrl = (recordingId: string) =>
  apiUrl(Routes.recordingFile, { params: { recordingId } });

/** The signed-in staff member, or null (401 or a guest cookie). */
export async function currentStaff(): Promise<StaffUser | null> {
  try {
    const me = await api.me();
    return me.kind === 'staff' ? me.user : null;
  } catch {
    return null;
  }
}
