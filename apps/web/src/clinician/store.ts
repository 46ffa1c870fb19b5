import type { Consultation } from '@consulta/protocol';
import { create } from 'zustand';
import {
  type CallSlice,
  createCallSlice,
  createDevicesSlice,
  createSessionSlice,
  type DevicesSlice,
  type SessionSlice,
} from '../shared/store.ts';

interface ConsultSlice {
  consultations: Consultation[];
  /** The open consultation view, or null for the dashboard. */
  openId: string | null;
  setConsultations(list: Consultation[]): void;
  open(id: string | null): void;
}

export const useClinicianStore = create<SessionSlice & ConsultSlice & CallSlice & DevicesSlice>()((...a) => ({
  ...createSessionSlice(...a),
  ...createCallSlice(...a),
  ...createDevicesSlice(...a),
  consultations: [],
  openId: null,
  setConsultations: (consultations) => a[0]({ consultations }),
  open: (openId) => a[0]({ openId }),
}));
