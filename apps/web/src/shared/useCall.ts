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
      const { activeSpeakerId } = store.getState();
      patchCall({
        remote: withoutStream(peerId),
        ...(activeSpeakerId === peerId ? { activeSpeakerId: null } : {}),
      });
    });
    engine.on('plan', (plan) => patchCall({ plan }));
    engine.on('track', ({ streamId, stream, peerId }) =>
      patchCall({ remote: [...withoutStream(streamId), { streamId, stream, viaPeerId: peerId }] }),
    );
    engine.on('stream-removed', ({ streamId }) => patchCall({ remote: withoutStream(streamId) }));
    engine.on('chat', (m) => addChat(m));
    engine.on('recording', (recording) => {
      if (isLatest(store.getState().recording, recording)) patchCall({ recording });
    });
    engine.on('active-speaker', (activeSpeakerId) => patchCall({ activeSpeakerId }));
    engine.on('error', (e) => {
      // Transient per-connection trouble is retried by the engine; show what a person can act on.
      if (e.code === 'SIGNALING_CLOSED' || e.code === 'TURN_CREDENTIALS_FAILED' || e.code === 'FORBIDDEN')
        patchCall({ callError: e.message });
      console.warn(`[call] ${e.code}: ${e.message}`);
    });
    engine.start().catch((err: Error) => patchCall({ callError: err.message }));
    return () => {
      engineRef.current = null;
      if (engine.state !== 'ended' && engine.state !== 'denied' && engine.state !== 'closed') engine.leave();
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
      engine: () => engineRef.current,
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
