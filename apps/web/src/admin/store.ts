// The admin app's store: session, consultations, live rooms, the audit log, and recordings.
import type { Consultation, Recording } from '@consulta/protocol';
import { create, type StateCreator } from 'zustand';
import { api } from '../shared/api.ts';
import { createSessionSlice, type SessionSlice } from '../shared/store.ts';
import { type AuditSlice, createAuditSlice } from './audit-slice.ts';
import { createLiveSlice, type LiveSlice } from './live-slice.ts';
import { loadInto } from './load-into.ts';
import { createStaffSlice, type StaffSlice } from './staff-slice.ts';

interface ConsultSlice {
  consultations: Consultation[];
  error: string | null;
  refresh(): Promise<void>;
}

const createConsultSlice: StateCreator<ConsultSlice, [], [], ConsultSlice> = (set) => ({
  consultations: [],
  error: null,
  refresh: () =>
    loadInto(set, 'error', async () => ({ consultations: (await api.listConsultations()).consultations })),
});

interface RecordingsSlice {
  /** Newest first, as the server lists them. */
  recordings: Recording[];
  recordingsError: string | null;
  /** Lists every recording (an audited read: done on demand, not on the 5 s refresh). */
  loadRecordings(): Promise<void>;
  /** A recording's latest state from a start, stop or poll. */
  putRecording(recording: Recording): void;
}

const createRecordingsSlice: StateCreator<RecordingsSlice, [], [], RecordingsSlice> = (set) => ({
  recordings: [],
  recordingsError: null,
  loadRecordings: () =>
    loadInto(set, 'recordingsError', async () => ({ recordings: (await api.listRecordings()).recordings })),
  putRecording: (recording) =>
    set((s) => ({
      recordings: s.recordings.some((r) => r.id === recording.id)
        ? s.recordings.map((r) => (r.id === recording.id ? recording : r))
        : [recording, ...s.recordings],
    })),
});

export const useAdminStore = create<
  SessionSlice & ConsultSlice & RecordingsSlice & LiveSlice & AuditSlice & StaffSlice
>()((...a) => ({
  ...createAuditSlice(...a),
  ...createSessionSlice(...a),
  ...createLiveSlice(...a),
  ...createConsultSlice(...a),
  ...createRecordingsSlice(...a),
  ...createStaffSlice(...a),
}));

/** Still moving: a poll will change it. */
export const inProgress = (r: Recording) =>
  r.status === 'AWAITING_CONSENT' || r.status === 'RECORDING' || r.status === 'FINALISING';
