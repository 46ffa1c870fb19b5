import dgram from 'node:dgram';
import type { PortRange } from './types.ts';

export const LOOPBACK = '127.0.0.1';

/**
 * The configured range is split so the worker's PlainTransports (which pick their own ports from the lower half)
 * never race FFmpeg for a port (the upper half, handed out here).
 */
export function splitRange(range: PortRange): { transports: PortRange; ffmpeg: PortRange } {
  const middle = range.min + Math.floor((range.max - range.min + 1) / 2);
  return { transports: { min: range.min, max: middle - 1 }, ffmpeg: { min: middle, max: range.max } };
}

export interface PortPair {
  rtpPort: number;
  rtcpPort: number;
  release(): void;
}

/** Pairs handed to FFmpeg processes of this server process and not yet released, shared by every recording. */
const taken = new Set<number>();

/**
 * An even RTP port and the odd RTCP port above it, both free on 127.0.0.1 right now and not handed out to another
 * recording of this process; null when the range has none. Another program may still take a port before FFmpeg
 * binds it: the caller notices FFmpeg failing to listen and asks again.
 */
export async function reservePortPair(range: PortRange): Promise<PortPair | null> {
  const first = range.min % 2 === 0 ? range.min : range.min + 1;
  const count = Math.floor((range.max - first + 1) / 2);
  if (count <= 0) return null;
  // Start at a random pair so concurrent recordings and quick restarts do not all probe the same ports first.
  const start = Math.floor(Math.random() * count);
  for (let i = 0; i < count; i++) {
    const rtpPort = first + 2 * ((start + i) % count);
    if (taken.has(rtpPort)) continue;
    taken.add(rtpPort);
    if (await isFree(rtpPort)) {
      if (await isFree(rtpPort + 1)) {
        let released = false;
        return {
          rtpPort,
          rtcpPort: rtpPort + 1,
          release: () => {
            if (!released) taken.delete(rtpPort);
            released = true;
          },
        };
      }
    }
    taken.delete(rtpPort);
  }
  return null;
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket({ type: 'udp4', reuseAddr: false });
    socket.once('error', () => {
      try {
        socket.close();
      } catch {
        // A socket that never bound may already count as closed.
      }
      resolve(false);
    });
    socket.bind({ port, address: LOOPBACK, exclusive: true }, () => socket.close(() => resolve(true)));
  });
}
