// Starts a real coturn (turnserver from the Debian package) on free loopback ports from the rendered config.
// Nothing here fakes coturn; browser tests reuse it to get a relay the server's credentials work against.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { type AppConfig, loadConfig } from '../../apps/server/src/config/index.ts';
import { renderCoturnConfig } from '../../apps/server/src/turn/index.ts';
import { stunBindingAnswered } from '../../apps/server/src/turn/stun-probe.ts';

export interface StartCoturnOptions {
  /** Configuration to render; default loadConfig() (the test profile under scripts/run-tests.mjs). */
  config?: AppConfig;
  /** Shared secret; default config.turn.secret when `config` is given, otherwise a fresh random one. */
  secret?: string;
  /** A config file rendered elsewhere (e.g. by scripts/render-coturn.ts); its ports are used as they are. */
  configFile?: string;
  /** Number of UDP relay ports to reserve (default 20). */
  relayPorts?: number;
  /** coturn -v: logs each request's outcome (e.g. "error 401"), which the tests assert on. Default true. */
  verbose?: boolean;
  readyTimeoutMs?: number;
  /**
   * A network-lab address (198.18.0.0/15) to run on instead of loopback; the lab's namespace is ours, so coturn
   * gets its standard ports there (listening 3478, relays 49160-49200) unless `ports` says otherwise.
   */
  labHost?: string;
  ports?: { port: number; minPort: number; maxPort: number };
  /** A TLS listener (turns:, and plain TCP on the same port) with this PEM certificate chain and key. */
  tls?: { port: number; certFile: string; keyFile: string };
}

export interface RunningCoturn {
  host: string;
  port: number;
  secret: string;
  realm: string;
  minPort: number;
  maxPort: number;
  configFile: string;
  /** stun:/turn: URLs for this instance, ready for AppConfig.turn.urls. */
  urls: string[];
  /** Everything coturn wrote to stdout/stderr so far. */
  logs(): string;
  stop(): Promise<void>;
}

const LOOPBACK = '127.0.0.1';

export async function startCoturn(options: StartCoturnOptions = {}): Promise<RunningCoturn> {
  // A free port can be taken between probing and coturn binding it; a fresh pick usually succeeds.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(options);
    } catch (err) {
      lastError = err;
      if (!(err instanceof PortRaceError)) throw err;
    }
  }
  throw lastError;
}

class PortRaceError extends Error {}

async function startOnce(options: StartCoturnOptions): Promise<RunningCoturn> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'consulta-coturn-'));
  const host = options.labHost ?? LOOPBACK;
  if (options.labHost !== undefined && !isLabAddress(options.labHost)) {
    throw new Error(`startCoturn: ${options.labHost} is not a network-lab address (198.18.0.0/15)`);
  }
  let configFile: string;
  let port: number;
  let minPort: number;
  let maxPort: number;
  let secret: string;
  let realm: string;
  try {
    if (options.configFile) {
      configFile = options.configFile;
      const text = readFileSync(configFile, 'utf8');
      const option = (name: string) => new RegExp(`^${name}=(.*)$`, 'm').exec(text)?.[1];
      assertAddress(option('listening-ip'), host, configFile);
      port = Number(option('listening-port') ?? 3478);
      minPort = Number(option('min-port'));
      maxPort = Number(option('max-port'));
      secret = option('static-auth-secret') ?? '';
      realm = option('realm') ?? '';
    } else {
      const config = options.config ?? loadConfig();
      if (options.labHost === undefined)
        assertAddress(config.turn.coturn.listeningIp, host, 'turn.coturn.listeningIp');
      secret = options.secret ?? (options.config ? config.turn.secret : randomBytes(24).toString('base64'));
      realm = config.turn.realm;
      ({ port, minPort, maxPort } =
        options.ports ??
        (options.labHost
          ? { port: 3478, minPort: 49160, maxPort: 49200 }
          : await freeCoturnPorts(options.relayPorts)));
      configFile = path.join(dir, 'turnserver.conf');
      const text = renderCoturnConfig(config, {
        ...(options.labHost
          ? { listeningIp: host, relayIp: host, externalIp: null, allowLoopbackPeers: false }
          : {}),
        ...(options.tls
          ? {
              tlsListeningPort: options.tls.port,
              tlsCertFile: options.tls.certFile,
              tlsKeyFile: options.tls.keyFile,
            }
          : {}),
        secret,
        listeningPort: port,
        minPort,
        maxPort,
        pidFile: path.join(dir, 'turnserver.pid'),
        userDb: path.join(dir, 'turndb'),
      });
      writeFileSync(configFile, text, { mode: 0o600 });
    }
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  // Given on the command line so a pre-rendered file's pidfile/userdb never touch shared system paths.
  const args = [
    '-c',
    configFile,
    '--pidfile',
    path.join(dir, 'turnserver.pid'),
    '--userdb',
    path.join(dir, 'turndb'),
  ];
  if (options.verbose ?? true) args.push('-v');
  const child = spawn('turnserver', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const spawnFailed = new Promise<never>((_, reject) =>
    child.once('error', (err) =>
      reject(new Error(`cannot run turnserver (${err.message}); install coturn: bash scripts/setup.sh test`)),
    ),
  );
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const stop = async () => {
    process.off('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    await Promise.race([
      waitUntilServing(host, port, options.readyTimeoutMs ?? 10_000),
      spawnFailed,
      exited.then((code) => {
        const message = `turnserver exited with ${code} before serving:\n${output.slice(-4000)}`;
        throw /Address already in use|Cannot bind/i.test(output)
          ? new PortRaceError(message)
          : new Error(message);
      }),
    ]);
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    host,
    port,
    secret,
    realm,
    minPort,
    maxPort,
    configFile,
    urls: [
      `stun:${host}:${port}`,
      `turn:${host}:${port}?transport=udp`,
      `turn:${host}:${port}?transport=tcp`,
    ],
    logs: () => output,
    stop,
  };
}

function assertAddress(ip: string | undefined, expected: string, where: string): void {
  if (ip !== expected) {
    throw new Error(`startCoturn only runs coturn on ${expected}; ${where} says ${ip} (is NODE_ENV=test?)`);
  }
}

/** 198.18.0.0/15, the benchmarking range the network lab uses inside its namespaces. */
function isLabAddress(ip: string): boolean {
  return /^198\.(18|19)\.\d{1,3}\.\d{1,3}$/.test(ip);
}

/** Polls until coturn answers a STUN Binding request over UDP and accepts TCP connections. */
async function waitUntilServing(host: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await stunBindingAnswered(host, port, 200)) && (await tcpAccepts(host, port))) return;
  }
  throw new Error(`coturn did not answer on ${host}:${port} within ${timeoutMs} ms`);
}

function tcpAccepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A loopback listening port free for TCP and UDP, plus a free UDP relay range that does not contain it. */
export async function freeCoturnPorts(
  relayPorts = 20,
): Promise<{ port: number; minPort: number; maxPort: number }> {
  const port = await freeTcpAndUdpPort();
  const [minPort, maxPort] = await freeUdpRange(relayPorts, port);
  return { port, minPort, maxPort };
}

async function freeTcpAndUdpPort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const udp = dgram.createSocket('udp4');
    const port = await new Promise<number>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(0, LOOPBACK, () => resolve(udp.address().port));
    });
    const tcpFree = await canListenTcp(port);
    udp.close();
    if (tcpFree) return port;
  }
  throw new Error('no free loopback port for both TCP and UDP');
}

function canListenTcp(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, LOOPBACK, () => server.close(() => resolve(true)));
  });
}

function canBindUdp(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp4');
    socket.once('error', () => {
      socket.close();
      resolve(false);
    });
    socket.bind(port, LOOPBACK, () => socket.close(() => resolve(true)));
  });
}

async function freeUdpRange(count: number, avoid: number): Promise<[number, number]> {
  for (let attempt = 0; attempt < 30; attempt++) {
    // Below Linux's ephemeral range (32768+), so outgoing sockets of other processes do not grab them meanwhile.
    const min = 20_000 + Math.floor(Math.random() * (12_000 - count));
    if (avoid >= min && avoid < min + count) continue;
    let free = true;
    for (let p = min; p < min + count && free; p++) free = await canBindUdp(p);
    if (free) return [min, min + count - 1];
  }
  throw new Error(`no free range of ${count} UDP ports on ${LOOPBACK}`);
}
