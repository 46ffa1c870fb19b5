// Wraps one CallEngine per consultation: mirrors its events into the app's call slice and exposes the actions.
import { CallEngine } from '@consulta/call-engine';
import type { Recording } from '@consulta/protocol';
import { useEffect, useMemo, useRef } from 'react';
import type { CallSlice } from './store.ts';

export interface CallControls {
  admit(participantId: string): void;
  deny(participantId: string): void;
  /** Leaves the room (others see it at once). */
  leave(): void;
  sendChat(text: string): void;
  answerRecordingConsent(recordingId: string, granted: boolean): void;
  /** Stops this participant being recorded (the running recording goes on without them). */
  withdrawRecordingConsent(recordingId: string): void;
  /** Asks the browser for a screen, window or tab and shares it (nothing happens if the picker is cancelled). */
  shareScreen(): Promise<void>;
  stopScreenShare(): void;
  /** The running engine (for connection stats), or null between calls. */
  engine(): CallEngine | null;
}

/**
 * Starts the engine once `consultationId` and `localStream` are both set and `active` is true; leaves on unmount.
 * The local stream can change later (device switch): the engine swaps the tracks in place.
 */
export function useCall(
  store: { getState(): CallSlice },
  consultationId: string | null,
  localStream: MediaStream | null,
  active: boolean,
): CallControls {
  const engineRef = useRef<CallEngine | null>(null);
  const screenRef = useRef<MediaStream | null>(null);
  const streamRef = useRef(localStream);
  streamRef.current = localStream;
  const ready = active && consultationId !== null && localStream !== null;

  useEffect(() => {
    if (!ready || !consultationId) return;
    const { patchCall, resetCall, addChat } = store.getState();
    resetCall();
    const engine = new CallEngine({ consultationId, localStream: streamRef.current, device: deviceClass() });
    engineRef.current = engine;
    const peersNow = () => patchCall({ peers: engine.remotePeers });
    const withoutStream = (streamId: string) =>
      store.getState().remote.filter((r) => r.streamId !== streamId);
    const withoutScreen = (streamId: string) =>
      store.getState().screens.filter((r) => r.streamId !== streamId);
    engine.on('state', (callState) => patchCall({ callState }));
    engine.on('joined', ({ self }) => {
      patchCall({ selfPeer: self });
      peersNow();
    });
    engine.on('lobby', (lobby) => patchCall({ lobby }));
    engine.on('peer-joined', peersNow);
    engine.on('peer-updated', (peer) => {
      if (peer.id === store.getState().selfPeer?.id) patchCall({ selfPeer: peer });
      peersNow();
    });
    engine.on('peer-left', ({ peerId }) => {
      peersNow();
      const { activeSpeakerId, announcedSpeakerId } = store.getState();
      patchCall({
        remote: withoutStream(peerId),
        screens: withoutScreen(peerId),
        ...(activeSpeakerId === peerId ? { activeSpeakerId: null } : {}),
        ...(announcedSpeakerId === peerId ? { announcedSpeakerId: null } : {}),
      });
    });
    // Off the SFU its announcement is void (a later SFU session announces afresh).
    engine.on('plan', (plan) =>
      patchCall({ plan, ...(plan.topology === 'sfu' ? {} : { announcedSpeakerId: null }) }),
    );
    engine.on('track', ({ streamId, stream, peerId }) =>
      patchCall({ remote: [...withoutStream(streamId), { streamId, stream, viaPeerId: peerId }] }),
    );
    engine.on('stream-removed', ({ streamId }) => patchCall({ remote: withoutStream(streamId) }));
    engine.on('screen', ({ streamId, stream, peerId }) =>
      patchCall({ screens: [...withoutScreen(streamId), { streamId, stream, viaPeerId: peerId }] }),
    );
    engine.on('screen-removed', ({ streamId }) => patchCall({ screens: withoutScreen(streamId) }));
    engine.on('local-screen', (track) => {
      // Also the browser's own "Stop sharing" bar: the engine ended the share, the button follows.
      if (!track) for (const t of screenRef.current?.getTracks() ?? []) t.stop();
      screenRef.current = track ? new MediaStream([track]) : null;
      patchCall({ sharingScreen: track !== null });
    });
    engine.on('chat', (m) => addChat(m));
    engine.on('chat-outbox', (waiting) => patchCall({ chatSending: waiting }));
    engine.on('recording', (recording) => {
      if (isLatest(store.getState().recording, recording)) patchCall({ recording });
    });
    engine.on('active-speaker', (id) => patchCall({ announcedSpeakerId: id, activeSpeakerId: id }));
    engine.on('error', (e) => {
      // Transient per-connection trouble is retried by the engine; show what a person can act on.
      if (e.code === 'SIGNALING_CLOSED' || e.code === 'TURN_CREDENTIALS_FAILED' || e.code === 'FORBIDDEN')
        patchCall({ callError: e.message });
      console.warn(`[call] ${e.code}${e.ref ? ` (${e.ref})` : ''}: ${e.message}`);
    });
    engine.start().catch((err: Error) => patchCall({ callError: err.message }));
    return () => {
      engineRef.current = null;
      if (engine.state !== 'ended' && engine.state !== 'denied' && engine.state !== 'closed') engine.leave();
      for (const t of screenRef.current?.getTracks() ?? []) t.stop();
      screenRef.current = null;
    };
  }, [ready, consultationId, store]);

  useEffect(() => {
    engineRef.current?.setLocalStream(localStream);
  }, [localStream]);

  // One stable object, so effects that depend on it (stats polling) are not restarted on every render.
  return useMemo(
    () => ({
      admit: (id: string) => engineRef.current?.admit(id),
      deny: (id: string) => engineRef.current?.deny(id),
      leave: () => engineRef.current?.leave(),
      sendChat: (text: string) => engineRef.current?.sendChat(text),
      answerRecordingConsent: (id: string, granted: boolean) =>
        engineRef.current?.answerRecordingConsent(id, granted),
      withdrawRecordingConsent: (id: string) => engineRef.current?.withdrawRecordingConsent(id),
      engine: () => engineRef.current,
      shareScreen: async () => {
        const engine = engineRef.current;
        if (!engine) return;
        let captured: MediaStream;
        try {
          // Resolution over frame rate: text and images must stay sharp; a slide or a scan barely moves.
          captured = await navigator.mediaDevices.getDisplayMedia({
            video: { frameRate: { ideal: 15, max: 30 } },
            audio: false,
          });
        } catch {
          return; // the picker was cancelled or sharing is not allowed here: nothing to share
        }
        const track = captured.getVideoTracks()[0];
        if (!track || engineRef.current !== engine) {
          for (const t of captured.getTracks()) t.stop();
          return;
        }
        engine.shareScreen(track);
      },
      stopScreenShare: () => engineRef.current?.shareScreen(null),
    }),
    [],
  );
}

/** A newer recording replaces the one shown; an update to an older one (late message) does not. */
function isLatest(current: Recording | null, next: Recording): boolean {
  return !current || current.id === next.id || next.createdAt >= current.createdAt;
}

function deviceClass(): 'desktop' | 'mobile' {
  return /Mobi|Android|iPhone/i.test(navigator.userAgent) ? 'mobile' : 'desktop';
}
