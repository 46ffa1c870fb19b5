import type { ErrorCode, OpenInviteReply } from '@consulta/protocol';
import { create } from 'zustand';
import { type CallSlice, createCallSlice, createDevicesSlice, type DevicesSlice } from '../shared/store.ts';

export type LinkProblem = Extract<
  ErrorCode,
  'INVITE_INVALID' | 'INVITE_EXPIRED' | 'INVITE_REVOKED' | 'CONSULTATION_ENDED'
>;

/** Where the patient is: opening the link, a dead link, the pre-call check, the call (waiting/in call), left. */
export type Phase =
  | { name: 'opening' }
  | { name: 'link-problem'; code: LinkProblem | 'NETWORK' }
  | { name: 'precheck' }
  | { name: 'call' }
  | { name: 'left' };

interface ConsultSlice {
  phase: Phase;
  invite: OpenInviteReply | null;
  setPhase(phase: Phase): void;
  setInvite(invite: OpenInviteReply): void;
}

export const usePatientStore = create<ConsultSlice & CallSlice & DevicesSlice>()((...a) => ({
  ...createCallSlice(...a),
  ...createDevicesSlice(...a),
  phase: { name: 'opening' },
  invite: null,
  setPhase: (phase) => a[0]({ phase }),
  setInvite: (invite) => a[0]({ invite }),
}));
