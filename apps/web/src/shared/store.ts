// Zustand slices shared by the three apps; each app binds one store from the slices it needs.
import type { EngineState } from '@consulta/call-engine';
import type { Peer, Plan, StaffUser } from '@consulta/protocol';
import type { StateCreator } from 'zustand';

export interface SessionSlice {
  user: StaffUser | null;
  /** false until the first GET /api/auth/me answered. */
  sessionChecked: boolean;
  setUser(user: StaffUser | null): void;
}

export const createSessionSlice: StateCreator<SessionSlice, [], [], SessionSlice> = (set) => ({
  user: null,
  sessionChecked: false,
  setUser: (user) => set({ user, sessionChecked: true }),
});

export interface RemoteTile {
  streamId: string;
  stream: MediaStream;
}

export interface CallSlice {
  callState: EngineState;
  selfPeer: Peer | null;
  peers: Peer[];
  lobby: Peer[];
  plan: Plan | null;
  remote: RemoteTile[];
  callError: string | null;
  patchCall(patch: Partial<Omit<CallSlice, 'patchCall' | 'resetCall'>>): void;
  resetCall(): void;
}

const initialCall = {
  callState: 'idle' as EngineState,
  selfPeer: null,
  peers: [],
  lobby: [],
  plan: null,
  remote: [],
  callError: null,
};

export const createCallSlice: StateCreator<CallSlice, [], [], CallSlice> = (set) => ({
  ...initialCall,
  patchCall: (patch) => set(patch),
  resetCall: () => set(initialCall),
});

export interface DevicesSlice {
  cameraId: string | null;
  micId: string | null;
  audioMuted: boolean;
  videoOff: boolean;
  setDevices(patch: Partial<Pick<DevicesSlice, 'cameraId' | 'micId' | 'audioMuted' | 'videoOff'>>): void;
}

export const createDevicesSlice: StateCreator<DevicesSlice, [], [], DevicesSlice> = (set) => ({
  cameraId: null,
  micId: null,
  audioMuted: false,
  videoOff: false,
  setDevices: (patch) => set(patch),
});
