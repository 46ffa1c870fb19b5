// Drives a real coturn with coturn's own client (turnutils_uclient) through a UDP echo peer on loopback.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig, repoRoot } from '../../apps/server/src/config/index.ts';
import { createIceServers } from '../../apps/server/src/turn/index.ts';
import { freeCoturnPorts, type RunningCoturn, startCoturn } from '../support/coturn.ts';

const MESSAGES = 5;

/** The relayed data comes back from here, so a successful run proves the relay carries traffic both ways. */
async function startEchoPeer(): Promise<{
  port: number;
  received: () => number;
  close: () => Promise<void>;
}> {
  const socket = dgram.createSocket('udp4');
  let received = 0;
  socket.on('message', (msg, from) => {
    received++;
    socket.send(msg, from.port, from.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    port: socket.address().port,
    received: () => received,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

interface UclientResult {
  code: number | null;
  output: string;
}

function uclient(
  coturn: RunningCoturn,
  peerPort: number,
  username: string,
  password: string,
): Promise<UclientResult> {
  return new Promise((resolve, reject) => {
    // -v: prints the relay address; -c: no RTCP companion allocation; -e/-r: the echo peer; -X: IPv4 relay.
    const args = ['-v', '-p', String(coturn.port), '-u', username, '-w', password];
    args.push('-e', '127.0.0.1', '-r', String(peerPort), '-n', String(MESSAGES), '-c', '-X', '127.0.0.1');
    const child = spawn('turnutils_uclient', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    // A hung client must fail the test rather than stall the run.
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

const relayCredential = (ice: ReturnType<typeof createIceServers>) => {
  const relay = ice.iceServers.find((s) => s.username);
  assert.ok(relay?.username && relay.credential, 'createIceServers returns a TURN entry with credentials');
  return { username: relay.username, password: relay.credential };
};

describe('real coturn with the test-profile config', () => {
  let coturn: RunningCoturn;
  let peer: Awaited<ReturnType<typeof startEchoPeer>>;
  let turn: ReturnType<typeof loadConfig>['turn'];

  before(async () => {
    coturn = await startCoturn();
    peer = await startEchoPeer();
    turn = loadConfig({ turn: { secret: coturn.secret } }).turn;
  });
  after(async () => {
    await coturn?.stop();
    await peer?.close();
  });

  test('a credential from createIceServers allocates a relay that carries data', async () => {
    const { username, password } = relayCredential(createIceServers(turn, 'patient-1'));
    const result = await uclient(coturn, peer.port, username, password);
    assert.equal(result.code, 0, result.output);
    assert.match(result.output, /Received relay addr: 127\.0\.0\.1:(\d+)/);
    const relayPort = Number(/Received relay addr: 127\.0\.0\.1:(\d+)/.exec(result.output)?.[1]);
    assert.ok(relayPort >= coturn.minPort && relayPort <= coturn.maxPort, `relay port ${relayPort} in range`);
    assert.match(result.output, new RegExp(`tot_recv_msgs=${MESSAGES}\\b`), result.output);
    assert.ok(peer.received() >= MESSAGES);
  });

  test('a credential signed with another secret is rejected with 401', async () => {
    const ice = createIceServers({ ...turn, secret: 'not-the-coturn-secret-000' }, 'intruder-1');
    const { username, password } = relayCredential(ice);
    const result = await uclient(coturn, peer.port, username, password);
    assert.notEqual(result.code, 0);
    assert.match(result.output, /Cannot complete Allocation/);
    assert.match(coturn.logs(), new RegExp(`user <${username}>: incoming packet \\w+ processed, error 401`));
  });

  test('an expired credential is rejected with 401', async () => {
    const ice = createIceServers(turn, 'late-1', Date.now() - (turn.credentialTtlSeconds + 60) * 1000);
    const { username, password } = relayCredential(ice);
    const result = await uclient(coturn, peer.port, username, password);
    assert.notEqual(result.code, 0);
    assert.match(coturn.logs(), new RegExp(`user <${username}>: incoming packet \\w+ processed, error 401`));
  });
});

describe('real coturn with the production-profile config', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'consulta-coturn-prod-'));
  let coturn: RunningCoturn;
  let peer: Awaited<ReturnType<typeof startEchoPeer>>;
  const secret = 'prod-like-secret-0123456789+/=';

  before(async () => {
    // The production file as scripts/render-coturn.ts writes it, only moved onto loopback and free ports.
    const { port, minPort, maxPort } = await freeCoturnPorts();
    const file = path.join(dir, 'turnserver.conf');
    const rendered = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'scripts/render-coturn.ts', '--out', file],
      {
        cwd: repoRoot,
        encoding: 'utf8',
        env: {
          PATH: process.env.PATH,
          NODE_ENV: 'production',
          TURN_SECRET: secret,
          COOKIE_SECRET: 'c'.repeat(40),
          TOTP_KEY: 't'.repeat(40),
          TURN_LISTENING_IP: '127.0.0.1',
          TURN_RELAY_IP: '127.0.0.1',
          TURN_PORT: String(port),
          TURN_MIN_PORT: String(minPort),
          TURN_MAX_PORT: String(maxPort),
        },
      },
    );
    assert.equal(rendered.status, 0, rendered.stderr);
    coturn = await startCoturn({ configFile: file });
    peer = await startEchoPeer();
  });
  after(async () => {
    await coturn?.stop();
    await peer?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('allocates for a valid credential but refuses to relay to a loopback peer', async () => {
    assert.equal(coturn.secret, secret);
    const turn = { secret, credentialTtlSeconds: 600, urls: coturn.urls };
    const { username, password } = relayCredential(createIceServers(turn, 'patient-2'));
    const result = await uclient(coturn, peer.port, username, password);
    assert.match(result.output, /Received relay addr/, 'the credential itself is accepted');
    assert.match(result.output, /error 403 \(Forbidden IP\)/);
    assert.equal(peer.received(), 0, 'nothing reached the loopback peer');
    assert.match(coturn.logs(), /error 403: Forbidden IP/);
  });
});
