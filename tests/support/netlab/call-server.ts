// The lab's public side: the real Consulta server on http://198.19.0.1 (port 80, SFU on the same address) and a
// real coturn on 198.19.0.2 (UDP/TCP 3478, and TLS + TCP on 443 when certificates are given), both started from
// the project's configuration. Serves the lab page (page/app.ts, bundled with the call engine) at /__netlab/.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AppConfig, DeepPartialConfig } from '@consulta/server';
import { type RunningCoturn, startCoturn } from '../coturn.ts';
import { engineTestPageRoutes } from '../engine-page-routes.ts';
import { startTestServer, type TestServer } from '../server.ts';
import { LAB_ADDRESSES } from './lab.ts';
import type { LabCertificates } from './tls.ts';

const here = path.dirname(fileURLToPath(import.meta.url));

export interface LabServer {
  /** http://198.19.0.1 */
  origin: string;
  pageUrl: string;
  config: AppConfig;
  server: TestServer;
  coturn: RunningCoturn;
  /** TURN URLs by kind, as handed to browsers. */
  turnUrls: { udp: string; tcp: string; tls: string | null; tcp443: string | null };
  createClinician(name: string): Promise<{ email: string; password: string }>;
  close(): Promise<void>;
}

export async function startLabServer(
  options: { tls?: LabCertificates; overrides?: DeepPartialConfig } = {},
): Promise<LabServer> {
  const secret = randomBytes(24).toString('base64url');
  const turnHost = LAB_ADDRESSES.turn;
  const tlsPort = 443;
  const turnUrls = {
    udp: `turn:${turnHost}:3478?transport=udp`,
    tcp: `turn:${turnHost}:3478?transport=tcp`,
    tls: options.tls ? `turns:${turnHost}:${tlsPort}?transport=tcp` : null,
    tcp443: options.tls ? `turn:${turnHost}:${tlsPort}?transport=tcp` : null,
  };
  const urls = [
    `stun:${turnHost}:3478`,
    turnUrls.udp,
    turnUrls.tcp,
    ...(turnUrls.tls ? [turnUrls.tls, turnUrls.tcp443!] : []),
  ];
  const turnConfig = {
    secret,
    urls,
    coturn: {
      listeningIp: turnHost,
      relayIp: turnHost,
      externalIp: null,
      allowLoopbackPeers: false,
      // The homes' private LANs, as production denies 10/8, 192.168/16 etc.: no relaying to host candidates.
      deniedPeerRanges: ['198.18.0.0-198.18.255.255'],
      tlsListeningPort: options.tls ? tlsPort : null,
      tlsCertFile: options.tls?.certFile ?? null,
      tlsKeyFile: options.tls?.keyFile ?? null,
    },
  };
  const routes = await engineTestPageRoutes({
    base: '/__netlab/',
    entry: path.join(here, 'page/app.ts'),
    title: 'Consulta network lab',
    video: { width: 160, height: 120 },
    body: '<video id="local" autoplay muted playsinline></video><div id="remotes"></div>',
  });
  const server = await startTestServer({
    host: LAB_ADDRESSES.app,
    port: 80,
    overrides: {
      ...options.overrides,
      turn: { ...turnConfig, ...options.overrides?.turn },
      media: {
        listenIp: LAB_ADDRESSES.app,
        announcedAddress: LAB_ADDRESSES.app,
        ...options.overrides?.media,
      },
    } as DeepPartialConfig,
    beforeListen: routes,
  });
  let coturn: RunningCoturn;
  try {
    coturn = await startCoturn({
      config: server.config,
      labHost: turnHost,
      ...(options.tls
        ? { tls: { port: tlsPort, certFile: options.tls.certFile, keyFile: options.tls.keyFile } }
        : {}),
    });
  } catch (err) {
    await server.close();
    throw err;
  }
  return {
    origin: server.url,
    pageUrl: `${server.url}/__netlab/`,
    config: server.config,
    server,
    coturn,
    turnUrls,
    createClinician: (name) => server.createStaff('CLINICIAN', name),
    async close() {
      await server.close().catch(() => {});
      await coturn.stop();
    },
  };
}
