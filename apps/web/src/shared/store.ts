// Zustand slices shared by the three apps; each app binds one store from the slices it needs.
import type { ChatLine, EngineState } from '@consulta/call-engine';
import type { Peer, Plan, Recording, StaffUser } from '@consulta/protocol';
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
  /** Whose media this is (the sender's participant id). */
  streamId: string;
  stream: MediaStream;
  /** The peer the media arrives from: the sender itself, or in a tree the participant relaying it. */
  viaPeerId: string;
}

export interface ChatEntry {
  /** Arrival order in this page (a stable list key). */
  seq: number;
  /** Sender's participant id. */
  from: string;
  text: string;
  at: string;
}

/** Chat kept in memory only: a page reload starts an empty log (nothing of the consultation is stored here). */
const CHAT_KEPT = 500;

export interface CallSlice {
  callState: EngineState;
  selfPeer: Peer | null;
  peers: Peer[];
  lobby: Peer[];
  plan: Plan | null;
  remote: RemoteTile[];
  /** Remote senders' shared screens (shown while the sender declares `screenSharing`). */
  screens: RemoteTile[];
  /** The screen this page shares, if any. */
  sharingScreen: boolean;
  callError: string | null;
  chat: ChatEntry[];
  /** Lines this page posted that the room has not echoed yet (resent after a reconnect). */
  chatSending: ChatLine[];
  /** Loudest participant right now (server-detected on the SFU while heard, from audio levels elsewhere). */
  activeSpeakerId: string | null;
  /** The SFU's last announced dominant speaker (it announces changes only; silence is measured here). */
  announcedSpeakerId: string | null;
  /** The consultation's latest recording as the socket reported it. */
  recording: Recording | null;
  patchCall(patch: Partial<Omit<CallSlice, 'patchCall' | 'resetCall' | 'addChat'>>): void;
  addChat(entry: Omit<ChatEntry, 'seq'>): void;
  resetCall(): void;
}

const initialCall = {
  callState: 'idle' as EngineState,
  selfPeer: null,
  peers: [],
  lobby: [],
  plan: null,
  remote: [],
  screens: [],
  sharingScreen: false,
  callError: null,
  chat: [],
  chatSending: [],
  activeSpeakerId: null,
  announcedSpeakerId: null,
  recording: null,
};

export const createCallSlice: StateCreator<CallSlice, [], [], CallSlice> = (set) => ({
  ...initialCall,
  patchCall: (patch) => set(patch),
  addChat: (entry) =>
    set((s) => ({ chat: [...s.chat, { ...entry, seq: (s.chat.at(-1)?.seq ?? 0) + 1 }].slice(-CHAT_KEPT) })),
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

/** What the shared call view reads: any app store that has the call and devices slices. */
export interface CallStore {
  <U>(selector: (s: CallSlice & DevicesSlice) => U): U;
  getState(): CallSlice & DevicesSlice;
}
