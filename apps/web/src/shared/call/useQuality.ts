// Polls the connection that carries each remote participant's media and rates it (RTT, loss, jitter); off the
// SFU it also picks the active speaker from inbound audio levels. On the SFU the server announces the speaker;
// the levels measured here clear it while they are silent (heardSpeaker).
import { type CallEngine, statsValues, statsWithin } from '@consulta/call-engine';
import { useEffect, useState } from 'react';
import type { CallStore } from '../store.ts';
import type { CallControls } from '../useCall.ts';
import {
  type AudioCounters,
  audioCounters,
  averageLevel,
  heardSpeaker,
  loudest,
  type QualityCounters,
  type QualityReading,
  readQuality,
} from './quality.ts';

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
    const previousAudio = new Map<string, AudioCounters>();
    const poll = async () => {
      const engine = call.engine();
      const { remote, plan, announcedSpeakerId, selfPeer, patchCall } = store.getState();
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
            reading = readQuality(statsValues(await statsWithin(pc)), previous.get(key) ?? null);
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
      const measureSfu = plan?.topology === 'sfu' && announcedSpeakerId !== null;
      // Counters from an earlier SFU phase would average over all the time since.
      if (!measureSfu) previousAudio.clear();
      const sfuLevels = measureSfu ? await sfuAudioLevels(engine, selfPeer?.id ?? null, previousAudio) : null;
      busy = false;
      if (stopped) return;
      setQuality(next);
      // As things are now: an announcement may have arrived while the stats were read.
      const latest = store.getState();
      const speaker =
        plan?.topology !== 'sfu'
          ? loudest(levels)
          : heardSpeaker(latest.announcedSpeakerId, sfuLevels ?? new Map());
      if (speaker !== latest.activeSpeakerId) patchCall({ activeSpeakerId: speaker });
    };
    const timer = setInterval(() => void poll(), intervalMs);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [call, store, intervalMs]);
  return quality;
}

/**
 * Each participant's audio level through the SFU since the last poll, by participant id: what we hear of each
 * (its consumer's receiver) and, under our own id, what our microphone gives. Null where there is no earlier poll.
 */
async function sfuAudioLevels(
  engine: CallEngine,
  selfId: string | null,
  previous: Map<string, AudioCounters>,
): Promise<Map<string, number | null>> {
  const now = new Map<string, AudioCounters>();
  await Promise.all([
    ...engine
      .sfuReceivers()
      .filter((r) => r.kind === 'audio')
      .map(async (r) => {
        const report = await statsWithin(r).catch(() => null);
        if (report) now.set(r.peerId, audioCounters(statsValues(report), 'inbound-rtp'));
      }),
    (async () => {
      const { send } = await engine.sfuTransportStats();
      if (send && selfId) now.set(selfId, audioCounters(statsValues(send), 'media-source'));
    })(),
  ]);
  const levels = new Map<string, number | null>();
  for (const [id, counters] of now) {
    levels.set(id, averageLevel(counters, previous.get(id)));
    previous.set(id, counters);
  }
  // Audio that was there and is gone (a microphone muted by dropping its track, a closed consumer) is silence.
  for (const id of [...previous.keys()]) {
    if (now.has(id)) continue;
    levels.set(id, 0);
    previous.delete(id);
  }
  return levels;
}
