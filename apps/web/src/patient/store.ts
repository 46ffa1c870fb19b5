import type { ErrorCode, OpenInviteReply } from '@consulta/protocol';
import { create } from 'zustand';
import { type CallSlice, createCallSlice, createDevicesSlice, type DevicesSlice } from '../shared/store.ts';

export type LinkProblem = Extract<
  ErrorCode,
  'INVITE_INVALID' | 'INVITE_EXPIRED' | 'INVITE_REVOKED' | 'CONSULTATION_ENDED' | 'RATE_LIMITED'
>;

/**
 * Where the patient is: opening the link, a dead link, the pre-call check, the call (waiting/in call), left, or
 * disconnected for good by the server (replaced by another window, or access withdrawn: see `reopen`).
 */
export type Phase =
  | { name: 'opening' }
  | { name: 'link-problem'; code: LinkProblem | 'NETWORK' }
  | { name: 'precheck' }
  | { name: 'call' }
  | { name: 'left' }
  | { name: 'disconnected' };

interface ConsultSlice {
  phase: Phase;
  invite: OpenInviteReply | null;
  /**
   * The invite token, in memory only (it leaves the address bar at once): reopening it after the server closed the
   * call is how the page learns why (revoked, ended) from the typed error.
   */
  token: string | null;
  setPhase(phase: Phase): void;
  setInvite(invite: OpenInviteReply, token: string): void;
}

export const usePatientStore = create<ConsultSlice & CallSlice & DevicesSlice>()((...a) => ({
  ...createCallSlice(...a),
  ...createDevicesSlice(...a),
  phase: { name: 'opening' },
  invite: null,
  token: null,
  setPhase: (phase) => a[0]({ phase }),
  setInvite: (invite, token) => a[0]({ invite, token }),
}));
