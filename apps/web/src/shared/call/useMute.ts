import type { CallEngine } from '@consulta/call-engine';
import { useEffect } from 'react';
import { setTracksEnabled } from '../media.ts';

/**
 * Mute and camera-off. The local tracks are disabled (the preview goes dark; peer connections send silence and
 * black), and the engine is told too, so on the SFU the producers pause: the server stops forwarding them and the
 * others' tiles say "camera off" instead of showing a black frame. `engine` changes when a call (re)starts, so the
 * state is applied to each new one.
 */
export function useMute(
  stream: MediaStream | null,
  engine: CallEngine | null,
  audioMuted: boolean,
  videoOff: boolean,
): void {
  useEffect(() => {
    setTracksEnabled(stream, 'audio', !audioMuted);
    setTracksEnabled(stream, 'video', !videoOff);
    engine?.setMuted('audio', audioMuted);
    engine?.setMuted('video', videoOff);
  }, [stream, engine, audioMuted, videoOff]);
}
