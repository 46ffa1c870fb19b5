import dgram from 'node:dgram';
import { LOOPBACK } from './ports.ts';

/**
 * RTCP BYE (RFC 3550 6.6): V=2, one source, packet type 203, with the reason "end" so the packet is 12 bytes
 * (FFmpeg drops anything shorter than an RTP header before it looks at the type); length 2 = words after the first.
 */
export function rtcpBye(ssrc: number): Buffer {
  const packet = Buffer.alloc(12);
  packet[0] = 0x81;
  packet[1] = 203;
  packet.writeUInt16BE(2, 2);
  packet.writeUInt32BE(ssrc >>> 0, 4);
  packet[8] = 3;
  packet.write('end', 9, 'ascii');
  return packet;
}

/**
 * Tells a receiving FFmpeg its stream has ended. FFmpeg's SDP input treats a BYE on every stream as end of input and
 * finishes its file. SIGINT alone is not enough when no packets arrive (producer closed or paused): FFmpeg only
 * looks at the signal between packets, and its blocking read ignores a first signal.
 */
export async function sendRtcpBye(rtcpPort: number, ssrc: number): Promise<void> {
  const socket = dgram.createSocket('udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.send(rtcpBye(ssrc), rtcpPort, LOOPBACK, (err) => (err ? reject(err) : resolve()));
    });
  } finally {
    socket.close();
  }
}
