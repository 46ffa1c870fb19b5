// The audit log as the admin browses it: filters (person, action, dates), keyset pages (the server's cursor), and
// the trail of cursors that leads back to newer pages.
import type { AuditAction, AuditEvent, AuditQuery } from '@consulta/protocol';
import type { StateCreator } from 'zustand';
import { api } from '../shared/api.ts';
import { loadInto } from './load-into.ts';

export interface AuditFilters {
  personId?: string;
  /** Shown with the person filter: the name of whoever was picked. */
  personName?: string;
  action?: AuditAction;
  /** Calendar days (yyyy-mm-dd, the browser's time zone), both inclusive. */
  fromDay?: string;
  toDay?: string;
}

export interface AuditSlice {
  events: AuditEvent[];
  auditFilters: AuditFilters;
  /** The cursor that loaded the page shown (undefined: the newest page). */
  auditCursor: string | undefined;
  /** The cursors of the newer pages, back to the newest, for "Newer". */
  auditTrail: (string | undefined)[];
  /** The server's cursor for the next older page (null: this is the oldest). */
  auditNext: string | null;
  auditError: string | null;
  /** Loads the page at `cursor` (the newest without one) under the current filters. */
  loadAudit(cursor?: string): Promise<void>;
  setAuditFilters(filters: AuditFilters): Promise<void>;
  olderAudit(): Promise<void>;
  newerAudit(): Promise<void>;
}

const PAGE = 50;

/** The REST query for these filters: days become the instants where they begin and end locally. */
export function auditQuery(filters: AuditFilters, cursor?: string, limit = PAGE): AuditQuery {
  const dayStart = (day: string) => new Date(`${day}T00:00:00`).toISOString();
  const dayAfter = (day: string) =>
    new Date(new Date(`${day}T00:00:00`).getTime() + 86_400_000).toISOString();
  return {
    limit,
    ...(filters.personId ? { personId: filters.personId } : {}),
    ...(filters.action ? { action: filters.action } : {}),
    ...(filters.fromDay ? { from: dayStart(filters.fromDay) } : {}),
    ...(filters.toDay ? { to: dayAfter(filters.toDay) } : {}),
    ...(cursor ? { cursor } : {}),
  };
}

export const createAuditSlice: StateCreator<AuditSlice, [], [], AuditSlice> = (set, get) => ({
  events: [],
  auditFilters: {},
  auditCursor: undefined,
  auditTrail: [],
  auditNext: null,
  auditError: null,
  loadAudit: (cursor) =>
    loadInto(set, 'auditError', async () => {
      const page = await api.listAudit({ query: auditQuery(get().auditFilters, cursor) });
      return { events: page.events, auditCursor: cursor, auditNext: page.nextCursor };
    }),
  async setAuditFilters(auditFilters) {
    set({ auditFilters, auditTrail: [] });
    await get().loadAudit();
  },
  async olderAudit() {
    const { auditNext, auditTrail } = get();
    if (!auditNext) return;
    set({ auditTrail: [...auditTrail, get().auditCursor] });
    await get().loadAudit(auditNext);
  },
  async newerAudit() {
    const trail = [...get().auditTrail];
    const previous = trail.pop();
    set({ auditTrail: trail });
    await get().loadAudit(previous);
  },
});
