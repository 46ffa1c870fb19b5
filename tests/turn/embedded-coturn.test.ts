// The server's embedded coturn (turn.embedded, on for `npm start`): the real Debian turnserver started from the
// rendered config, answering TURN allocations with the server's own credentials, and gone when it is stopped —
// both through the module and through the real server process's start and SIGTERM shutdown.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig, repoRoot } from '../../apps/server/src/config/index.ts';
import {
  createIceServers,
  startEmbeddedCoturn,
  stunBindingAnswered,
} from '../../apps/server/src/turn/index.ts';
import { freeCoturnPorts } from '../support/coturn.ts';
import { freePort } from '../support/server.ts';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'consulta-embedded-coturn-'));
  dirs.push(d);
  return d;
}

function recordingLog() {
  const lines: Array<{ level: string; msg: string; obj: object }> = [];
  const at = (level: string) => (obj: object, msg: string) => lines.push({ level, msg, obj });
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}

async function embeddedConfig(extra: { binary?: string; port?: number } = {}) {
  const { port, minPort, maxPort } = await freeCoturnPorts(10);
  return loadConfig({
    server: { varDir: tempDir() },
    turn: {
      embedded: { enabled: true, binary: extra.binary ?? 'turnserver' },
      coturn: { listeningPort: extra.port ?? port, minPort, maxPort },
    },
  });
}

const pidAlive = (pid: number) =>
  existsSync(`/proc/${pid}`) &&
  !/State:\s+Z/.test(spawnSync('cat', [`/proc/${pid}/status`], { encoding: 'utf8' }).stdout);

describe('embedded coturn', () => {
  test('runs from the rendered config, allocates with the server’s credentials and stops', async () => {
    const config = await embeddedConfig();
    const log = recordingLog();
    const coturn = await startEmbeddedCoturn(config, log);
    assert.ok(coturn, JSON.stringify(log.lines));
    try {
      const file = path.join(config.server.varDir, 'coturn', 'turnserver.conf');
      assert.equal(statSync(file).mode & 0o777, 0o600, 'the rendered file holds the secret');
      const relay = createIceServers(config.turn, 'patient-embedded').iceServers.find((s) => s.username)!;
      const run = spawnSync(
        'turnutils_uclient',
        [
          '-v',
          '-p',
          String(coturn.port),
          '-u',
          relay.username!,
          '-w',
          relay.credential!,
          '-n',
          '1',
          '-c',
        ].concat(['-X', '-e', '127.0.0.1', '-r', '9', '127.0.0.1']),
        { encoding: 'utf8', timeout: 30_000 },
      );
      assert.match(`${run.stdout}${run.stderr}`, /Received relay addr: 127\.0\.0\.1:\d+/);
    } finally {
      await coturn.stop();
    }
    assert.equal(pidAlive(coturn.pid), false, 'coturn is gone after stop()');
    assert.equal(await stunBindingAnswered('127.0.0.1', coturn.port, 300), false);
  });

  test('without the coturn binary the server warns how to install it and runs on', async () => {
    const log = recordingLog();
    const coturn = await startEmbeddedCoturn(
      await embeddedConfig({ binary: 'turnserver-not-installed' }),
      log,
    );
    assert.equal(coturn, null);
    assert.equal(log.lines[0]?.level, 'warn');
    assert.match(log.lines[0]!.msg, /apt-get install coturn/);
  });

  test('a port it cannot serve on is reported, not fatal', async () => {
    // Something else holds the UDP port and never answers STUN.
    const squatter = dgram.createSocket('udp4');
    const port = await new Promise<number>((resolve) =>
      squatter.bind(0, '127.0.0.1', () => resolve(squatter.address().port)),
    );
    try {
      const log = recordingLog();
      const config = await embeddedConfig({ port });
      const coturn = await startEmbeddedCoturn(config, log, { readyTimeoutMs: 3000 });
      assert.equal(coturn, null);
      assert.equal(log.lines.at(-1)?.level, 'error');
      assert.match(log.lines.at(-1)!.msg, /coturn did not start/);
    } finally {
      squatter.close();
    }
  });

  test('the server started as npm start does runs coturn and stops it on SIGTERM', async () => {
    const built = spawnSync(process.execPath, ['apps/server/build.mjs'], { cwd: repoRoot, encoding: 'utf8' });
    assert.equal(built.status, 0, built.stderr);
    const { port: turnPort, minPort, maxPort } = await freeCoturnPorts(10);
    const httpPort = await freePort();
    const varDir = tempDir();
    let server: ChildProcess | undefined;
    try {
      // The default profile (NODE_ENV unset, as npm start runs it), moved onto loopback and free ports.
      server = spawn(process.execPath, ['apps/server/dist/server.js'], {
        cwd: repoRoot,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          PATH: process.env.PATH,
          HOST: '127.0.0.1',
          PORT: String(httpPort),
          MEDIA_ENABLED: 'false',
          TURN_LISTENING_IP: '127.0.0.1',
          TURN_PORT: String(turnPort),
          TURN_MIN_PORT: String(minPort),
          TURN_MAX_PORT: String(maxPort),
          COOKIE_SECRET: randomBytes(32).toString('hex'),
          TOTP_KEY: randomBytes(32).toString('hex'),
          TURN_SECRET: randomBytes(32).toString('hex'),
          NODE_CONFIG: JSON.stringify({ server: { varDir } }),
        },
      });
      let output = '';
      server.stdout!.on('data', (d: Buffer) => {
        output += d.toString();
      });
      server.stderr!.on('data', (d: Buffer) => {
        output += d.toString();
      });
      // A bound, not a timing: ~5 s on a quiet machine, but at load 33 (a benchmark with seven Chromium pages
      // beside the CI run) the server took over 55 s from starting coturn to listening.
      const deadline = Date.now() + 150_000;
      while (!/embedded coturn started/.test(output) || !/Consulta is up/.test(output)) {
        assert.ok(Date.now() < deadline, `server did not come up with coturn:\n${output}`);
        assert.equal(server.exitCode, null, output);
        await sleep(100);
      }
      const pid = Number(/"coturnPid":(\d+)/.exec(output)?.[1]);
      assert.ok(pid > 0 && pidAlive(pid), `coturn runs as pid ${pid}`);
      assert.ok(await stunBindingAnswered('127.0.0.1', turnPort, 1000));

      const exited = new Promise<number | null>((resolve) => server!.once('exit', (code) => resolve(code)));
      server.kill('SIGTERM');
      assert.equal(await exited, 0, output);
      assert.equal(pidAlive(pid), false, 'coturn stopped with the server');
    } finally {
      if (server && server.exitCode === null) server.kill('SIGKILL');
    }
  });
});
