// TURN checks against a running coturn for the compose test: allocations with turnutils_uclient (coturn's own
// client, Debian package coturn) over UDP and TCP, and over TLS through a local pipe; the certificate the TLS
// listener presents.
import { spawn } from 'node:child_process';
import net from 'node:net';
import tls from 'node:tls';

export type TurnTransport = 'udp' | 'tcp';

export interface AllocationResult {
  /** The relayed transport address coturn allocated, when it did. */
  relay?: { address: string; port: number };
  output: string;
}

/**
 * One allocation on coturn at 127.0.0.1:`port` with the given credentials, then a permission and data towards
 * `peer` (which the production config refuses for loopback peers: coturn answers 403, after allocating).
 */
export async function allocate(options: {
  port: number;
  transport: TurnTransport;
  username: string;
  credential: string;
  peer?: string;
}): Promise<AllocationResult> {
  const transportArgs = { udp: [], tcp: ['-t'] }[options.transport];
  const peer = options.peer ?? '127.0.0.1';
  // Asynchronous: the TLS pipe below runs in this process while the client talks through it.
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn('turnutils_uclient', [
      ...transportArgs,
      ...['-v', '-p', String(options.port), '-u', options.username, '-w', options.credential],
      ...['-e', peer, '-r', '9', '-n', '1', '-c', '-X', '127.0.0.1'],
    ]);
    let text = '';
    child.stdout.on('data', (d: Buffer) => {
      text += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      text += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', reject);
    child.once('close', () => {
      clearTimeout(timer);
      resolve(text);
    });
  });
  const m = /Received relay addr: ([\d.]+):(\d+)/.exec(output);
  return { output, ...(m ? { relay: { address: m[1]!, port: Number(m[2]) } } : {}) };
}

/** The certificate a TLS listener on 127.0.0.1:`port` presents, verified against `ca` for `servername`. */
export function peerCertificate(
  port: number,
  ca: string,
  servername: string,
): Promise<{ subjectaltname: string; fingerprint256: string }> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca, servername }, () => {
      const cert = socket.getPeerCertificate();
      socket.destroy();
      resolve({ subjectaltname: cert.subjectaltname ?? '', fingerprint256: cert.fingerprint256 });
    });
    socket.setTimeout(15_000, () => socket.destroy(new Error('TLS handshake timed out')));
    socket.on('error', reject);
  });
}

/**
 * A plain TCP port on 127.0.0.1 whose connections continue over TLS to 127.0.0.1:`port`, verified against `ca`
 * for `servername` as a browser verifies a turns: server. turnutils_uclient's own TLS (-S) cannot be used against
 * coturn as configured: coturn 4.6.1's client picks, per connection, one of several TLS contexts at random,
 * including TLSv1.0- and TLSv1.1-only ones that the server refuses (no-tlsv1, no-tlsv1_1), so it fails at random.
 */
export async function tlsPipe(
  port: number,
  ca: string,
  servername: string,
): Promise<{ port: number; verified: () => number; close: () => Promise<void> }> {
  let verified = 0;
  const server = net.createServer((plain) => {
    const secure = tls.connect({ host: '127.0.0.1', port, ca, servername }, () => {
      verified++;
      plain.pipe(secure).pipe(plain);
      plain.resume();
    });
    plain.pause();
    const end = () => {
      plain.destroy();
      secure.destroy();
    };
    secure.on('error', end);
    plain.on('error', end);
    plain.on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    verified: () => verified,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
