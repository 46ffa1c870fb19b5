// What is happening now (GET /api/live): refreshed with the rest every few seconds, not audited (no personal
// content beyond who is in which room, which the admin console exists to show).
import type { LiveSnapshot } from '@consulta/protocol';
import type { StateCreator } from 'zustand';
import { api } from '../shared/api.ts';
import { loadInto } from './load-into.ts';

export interface LiveSlice {
  live: LiveSnapshot | null;
  /** Our clock minus the server's when the snapshot was taken: durations count on from the server's time. */
  liveClockSkewMs: number;
  liveError: string | null;
  loadLive(): Promise<void>;
}

export const createLiveSlice: StateCreator<LiveSlice, [], [], LiveSlice> = (set) => ({
  live: null,
  liveClockSkewMs: 0,
  liveError: null,
  loadLive: () =>
    loadInto(set, 'liveError', async () => {
      const live = await api.liveConsultations();
      return { live, liveClockSkewMs: Date.now() - Date.parse(live.at) };
    }),
});
