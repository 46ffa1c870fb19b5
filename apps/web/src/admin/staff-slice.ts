// The admin store's staff slice: every staff account, refreshed after each change an admin makes.
import type { StaffMember } from '@consulta/protocol';
import type { StateCreator } from 'zustand';
import { accountErrorText } from '../shared/account/messages.ts';
import { api } from '../shared/api.ts';
import { loadInto } from './load-into.ts';

export interface StaffSlice {
  staff: StaffMember[];
  staffError: string | null;
  loadStaff(): Promise<void>;
  /** Runs a staff-management call, then reloads the list; errors land in staffError. */
  staffAction(action: () => Promise<unknown>): Promise<boolean>;
}

export const createStaffSlice: StateCreator<StaffSlice, [], [], StaffSlice> = (set, get) => ({
  staff: [],
  staffError: null,
  loadStaff: () =>
    loadInto(set, 'staffError', async () => ({ staff: (await api.listStaff()).staff }), accountErrorText),
  async staffAction(action) {
    try {
      await action();
      await get().loadStaff();
      return true;
    } catch (err) {
      set({ staffError: accountErrorText(err) });
      return false;
    }
  },
});
