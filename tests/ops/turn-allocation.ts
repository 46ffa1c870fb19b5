// TURN checks against a running coturn for the compose test: allocations with turnutils_uclient (coturn's own
// client, Debian package coturn) over UDP, TCP and TLS, and the certificate the TLS listener presents.
import { spawnSync } from 'node:child_process';
import tls from 'node:tls';

export type TurnTransport = 'udp' | 'tcp' | 'tls';

export interface AllocationResult {
  /** The relayed transport address coturn allocated, when it did. */
  relay?: { address: string; port: number };
  output: string;
}

/**
 * One allocation on coturn at 127.0.0.1:`port` with the given credentials, then a permission and data towards
 * `peer` (which the production config refuses for loopback peers: coturn answers 403, after allocating).
 */
export function allocate(options: {
  port: number;
  transport: TurnTransport;
  username: string;
  credential: string;
  peer?: string;
}): AllocationResult {
  const transportArgs = { udp: [], tcp: ['-t'], tls: ['-t', '-S'] }[options.transport];
  const peer = options.peer ?? '127.0.0.1';
  const run = spawnSync(
    'turnutils_uclient',
    [
      ...transportArgs,
      ...['-v', '-p', String(options.port), '-u', options.username, '-w', options.credential],
      ...['-e', peer, '-r', '9', '-n', '1', '-c', '-X', '127.0.0.1'],
    ],
    { encoding: 'utf8', timeout: 60_000 },
  );
  const output = `${run.stdout}${run.stderr}`;
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
