// Wraps one CallEngine per consultation: mirrors its events into the app's call slice and exposes the actions.
import { CallEngine } from '@consulta/call-engine';
import { useCallback, useEffect, useRef } from 'react';
import type { CallSlice } from './store.ts';

export interface CallControls {
  admit(participantId: string): void;
  deny(participantId: string): void;
  /** Leaves the room (others see it at once). */
  leave(): void;
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
    const { patchCall, resetCall } = store.getState();
    resetCall();
    const engine = new CallEngine({ consultationId, localStream: streamRef.current, device: deviceClass() });
    engineRef.current = engine;
    const peersNow = () => patchCall({ peers: engine.remotePeers });
    engine.on('state', (callState) => patchCall({ callState }));
    engine.on('joined', ({ self }) => {
      patchCall({ selfPeer: self });
      peersNow();
    });
    engine.on('lobby', (lobby) => patchCall({ lobby }));
    engine.on('peer-joined', peersNow);
    engine.on('peer-updated', peersNow);
    engine.on('peer-left', ({ peerId }) => {
      peersNow();
      patchCall({ remote: store.getState().remote.filter((r) => r.streamId !== peerId) });
    });
    engine.on('plan', (plan) => patchCall({ plan }));
    engine.on('track', ({ streamId, stream }) => {
      const others = store.getState().remote.filter((r) => r.streamId !== streamId);
      patchCall({ remote: [...others, { streamId, stream }] });
    });
    engine.on('stream-removed', ({ streamId }) =>
      patchCall({ remote: store.getState().remote.filter((r) => r.streamId !== streamId) }),
    );
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

  return {
    admit: useCallback((id: string) => engineRef.current?.admit(id), []),
    deny: useCallback((id: string) => engineRef.current?.deny(id), []),
    leave: useCallback(() => engineRef.current?.leave(), []),
  };
}

function deviceClass(): 'desktop' | 'mobile' {
  return /Mobi|Android|iPhone/i.test(navigator.userAgent) ? 'mobile' : 'desktop';
}
