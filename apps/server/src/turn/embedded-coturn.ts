// coturn as a child of the server, for `npm start` on a machine with Debian's `coturn` package: the TURN server
// the default config's URLs point at (turn.urls) then actually runs, so the patient's pre-call check and calls
// behind NAT work on a fresh checkout. Production runs coturn on its own (docker-compose.yml), with this off.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { AppConfig } from '../config/index.ts';
import { writeCoturnConfig } from './render-coturn.ts';
import { stunBindingAnswered } from './stun-probe.ts';

export interface EmbeddedCoturnLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface EmbeddedCoturn {
  pid: number;
  port: number;
  /** Stops coturn (SIGTERM, then SIGKILL after 5 s) and waits for it to exit. */
  stop(): Promise<void>;
}

/** The last lines coturn printed, kept for the message when it exits by itself. */
const TAIL_LINES = 20;

/**
 * Renders the coturn config for `config` into `<varDir>/coturn/turnserver.conf` (mode 600: it holds the TURN
 * secret) and starts `turnserver` on it; resolves once coturn answers a STUN Binding request on its listening
 * port. Resolves null, with a warning that says how to install it, when the binary is not there, and null with an
 * error when coturn cannot start (port taken): the server runs on without a TURN server in both cases.
 */
export async function startEmbeddedCoturn(
  config: AppConfig,
  log: EmbeddedCoturnLog,
  options: { readyTimeoutMs?: number } = {},
): Promise<EmbeddedCoturn | null> {
  const { binary } = config.turn.embedded;
  const dir = path.join(config.server.varDir, 'coturn');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = writeCoturnConfig(config, path.join(dir, 'turnserver.conf'), 0o600, {
    pidFile: path.join(dir, 'turnserver.pid'),
    userDb: path.join(dir, 'turndb'),
  });
  const port = config.turn.coturn.listeningPort;
  const probeHost = ['0.0.0.0', '::'].includes(config.turn.coturn.listeningIp)
    ? '127.0.0.1'
    : config.turn.coturn.listeningIp;

  const child: ChildProcess = spawn(binary, ['-c', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  const tail: string[] = [];
  const keep = (chunk: Buffer) => {
    tail.push(...chunk.toString().split('\n').filter(Boolean));
    tail.splice(0, Math.max(0, tail.length - TAIL_LINES));
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);

  let stopping = false;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // A server killed without running its shutdown must not leave coturn holding the port.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const spawned = await new Promise<Error | null>((resolve) => {
    child.once('spawn', () => resolve(null));
    child.once('error', (err) => resolve(err));
  });
  if (spawned) {
    process.off('exit', killOnExit);
    if ((spawned as NodeJS.ErrnoException).code === 'ENOENT') {
      log.warn(
        { binary },
        'no TURN server: coturn is not installed (apt-get install coturn, or bash scripts/setup.sh); ' +
          'calls across NATs and the patient network check need it',
      );
    } else {
      log.error({ binary, err: spawned.message }, 'no TURN server: cannot run coturn');
    }
    return null;
  }

  const ready = await waitUntilServing(probeHost, port, options.readyTimeoutMs ?? 10_000, exited);
  if (!ready) {
    process.off('exit', killOnExit);
    child.kill('SIGKILL');
    await exited;
    log.error({ port, output: tail.join('\n') }, 'no TURN server: coturn did not start');
    return null;
  }
  log.info({ coturnPid: child.pid, port, config: file }, 'embedded coturn started');
  void exited.then((code) => {
    process.off('exit', killOnExit);
    if (!stopping) log.error({ code, output: tail.join('\n') }, 'embedded coturn exited');
  });

  return {
    pid: child.pid!,
    port,
    async stop() {
      if (stopping) return void (await exited);
      stopping = true;
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const force = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(force);
      }
    },
  };
}

async function waitUntilServing(
  host: string,
  port: number,
  timeoutMs: number,
  exited: Promise<number | null>,
): Promise<boolean> {
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const deadline = Date.now() + timeoutMs;
  while (!gone && Date.now() < deadline) {
    if (await stunBindingAnswered(host, port, 200)) return true;
  }
  return false;
}
