import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';

/**
 * Whether a STUN server answers a Binding request (RFC 5389: type 0x0001, no attributes) on host:port over UDP
 * within `waitMs`. A liveness probe for coturn; no STUN library is worth a dependency for twenty bytes.
 */
export function stunBindingAnswered(host: string, port: number, waitMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    const transactionId = randomBytes(12);
    const request = Buffer.alloc(20);
    request.writeUInt16BE(0x0001, 0); // Binding request
    request.writeUInt16BE(0, 2); // no attributes
    request.writeUInt32BE(0x2112a442, 4); // magic cookie
    transactionId.copy(request, 8);
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.close();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), waitMs);
    socket.on('message', (msg) => {
      // 0x0101: Binding success response, for our transaction.
      if (msg.length >= 20 && msg.readUInt16BE(0) === 0x0101 && msg.subarray(8, 20).equals(transactionId))
        done(true);
    });
    socket.on('error', () => done(false));
    socket.send(request, port, host);
  });
}
