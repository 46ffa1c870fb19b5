// A throwaway certificate authority and a server certificate it signed, made with openssl for one test run:
// coturn serves the certificate on its TLS listener and the lab's browsers trust the CA (nothing else does).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run } from './exec.ts';

export interface LabCertificates {
  caPem: string;
  /** The server's certificate chain (leaf, then CA) and key, as files coturn can read. */
  certFile: string;
  keyFile: string;
  dispose(): void;
}

/** A CA and a certificate for `ipAddress` (an IP subject alternative name: browsers dial TURN by address here). */
export async function makeCertificates(ipAddress: string): Promise<LabCertificates> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'consulta-labtls-'));
  const f = (name: string) => path.join(dir, name);
  try {
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=Consulta network lab CA',
      '-keyout',
      f('ca.key'),
      '-out',
      f('ca.pem'),
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ]);
    await run('openssl', [
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-subj',
      `/CN=${ipAddress}`,
      '-keyout',
      f('server.key'),
      '-out',
      f('server.csr'),
    ]);
    writeFileSync(
      f('server.ext'),
      [
        `subjectAltName=IP:${ipAddress}`,
        'basicConstraints=critical,CA:FALSE',
        'keyUsage=critical,digitalSignature',
        'extendedKeyUsage=serverAuth',
      ].join('\n'),
    );
    await run('openssl', [
      'x509',
      '-req',
      '-in',
      f('server.csr'),
      '-CA',
      f('ca.pem'),
      '-CAkey',
      f('ca.key'),
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      f('server.ext'),
      '-out',
      f('server.pem'),
    ]);
    const caPem = readFileSync(f('ca.pem'), 'utf8');
    writeFileSync(f('chain.pem'), readFileSync(f('server.pem'), 'utf8') + caPem);
    return {
      caPem,
      certFile: f('chain.pem'),
      keyFile: f('server.key'),
      dispose: () => rmSync(dir, { recursive: true, force: true }),
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
