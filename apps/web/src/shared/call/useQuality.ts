// Polls the connection that carries each remote participant's media and rates it (RTT, loss, jitter); off the
// SFU it also picks the active speaker from inbound audio levels (on the SFU the server announces it).
import { statsValues } from '@consulta/call-engine';
import { useEffect, useState } from 'react';
import type { CallStore } from '../store.ts';
import type { CallControls } from '../useCall.ts';
import { loudest, type QualityCounters, type QualityReading, readQuality } from './quality.ts';

export interface LinkQuality {
  /** direct: our own connection to them; relayed: through another participant (tree); server: the SFU. */
  path: 'direct' | 'relayed' | 'server';
  /** For `relayed`: whose connection carries it. */
  viaPeerId?: string;
  /** The connection's state, or for the SFU path whether their media arrives. */
  state: RTCPeerConnectionState | 'receiving' | 'no-media';
  reading: QualityReading | null;
}

export function useConnectionQuality(
  call: CallControls,
  store: CallStore,
  intervalMs = 1500,
): ReadonlyMap<string, LinkQuality> {
  const [quality, setQuality] = useState<ReadonlyMap<string, LinkQuality>>(new Map());
  useEffect(() => {
    let stopped = false;
    let busy = false;
    const previous = new Map<string, QualityCounters>();
    const poll = async () => {
      const engine = call.engine();
      const { remote, plan, activeSpeakerId, patchCall } = store.getState();
      if (!engine || busy) return;
      busy = true;
      const next = new Map<string, LinkQuality>();
      const levels = new Map<string, number>();
      await Promise.all(
        remote.map(async (tile) => {
          const pc = engine.getPeerConnection(tile.viaPeerId, tile.streamId);
          if (!pc) {
            const live = tile.stream.getTracks().some((t) => t.readyState === 'live' && !t.muted);
            next.set(tile.streamId, {
              path: 'server',
              state: live ? 'receiving' : 'no-media',
              reading: null,
            });
            return;
          }
          const key = `${tile.viaPeerId}/${tile.streamId}`;
          let reading: QualityReading | null = null;
          try {
            reading = readQuality(statsValues(await pc.getStats()), previous.get(key) ?? null);
            previous.set(key, reading.counters);
          } catch {
            // The connection closed while we asked; the next poll sees its replacement.
          }
          if (reading?.audioLevel != null) levels.set(tile.streamId, reading.audioLevel);
          const relayed = tile.viaPeerId !== tile.streamId;
          next.set(tile.streamId, {
            path: relayed ? 'relayed' : 'direct',
            ...(relayed ? { viaPeerId: tile.viaPeerId } : {}),
            state: pc.connectionState,
            reading,
          });
        }),
      );
      busy = false;
      if (stopped) return;
      setQuality(next);
      if (plan?.topology !== 'sfu') {
        const speaker = loudest(levels);
        if (speaker !== activeSpeakerId) patchCall({ activeSpeakerId: speaker });
      }
    };
    const timer = setInterval(() => void poll(), intervalMs);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [call, store, intervalMs]);
  return quality;
}
