import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { loadConfig, repoRoot } from '../../apps/server/src/config/index.ts';
import { renderCoturnConfig } from '../../apps/server/src/turn/index.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'consulta-render-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Options as coturn reads them: `name` or `name=value`, comments dropped. */
function options(text: string): Array<[string, string | undefined]> {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .map((l) => {
      const i = l.indexOf('=');
      return i < 0 ? [l, undefined] : [l.slice(0, i), l.slice(i + 1)];
    });
}
const values = (opts: Array<[string, string | undefined]>, name: string) =>
  opts.filter(([n]) => n === name).map(([, v]) => v);

/** Runs the CLI in a child so node-config reads another NODE_ENV profile and the environment. */
function renderWithCli(nodeEnv: string, env: Record<string, string>): string {
  const out = path.join(dir, `${nodeEnv}.conf`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/render-coturn.ts', '--out', out], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, NODE_ENV: nodeEnv, ...env },
  });
  assert.equal(result.status, 0, result.stderr);
  assert.equal(statSync(out).mode & 0o777, 0o600, 'the file holds the secret');
  return readFileSync(out, 'utf8');
}

const secrets = {
  TURN_SECRET: 'prod-turn-secret-0123456789',
  COOKIE_SECRET: 'c'.repeat(40),
  TOTP_KEY: 't'.repeat(40),
};

describe('coturn config rendering', () => {
  test('production profile: denied private/loopback ranges, no loopback peers, secret and ports from config', () => {
    const opts = options(renderWithCli('production', { ...secrets, TURN_EXTERNAL_IP: '203.0.113.7' }));
    const denied = values(opts, 'denied-peer-ip');
    for (const range of [
      '10.0.0.0-10.255.255.255',
      '127.0.0.0-127.255.255.255',
      '192.168.0.0-192.168.255.255',
      '::1',
    ]) {
      assert.ok(denied.includes(range), `denies ${range}`);
    }
    assert.equal(values(opts, 'allow-loopback-peers').length, 0);
    assert.deepEqual(values(opts, 'static-auth-secret'), ['prod-turn-secret-0123456789']);
    assert.deepEqual(values(opts, 'external-ip'), ['203.0.113.7']);
    assert.deepEqual(values(opts, 'relay-ip'), [], 'no relay-ip when the config leaves it null');
    assert.deepEqual(values(opts, 'listening-port'), ['3478']);
    assert.deepEqual(values(opts, 'min-port'), ['49160']);
    assert.deepEqual(values(opts, 'max-port'), ['49200']);
    for (const flag of [
      'use-auth-secret',
      'fingerprint',
      'no-cli',
      'no-multicast-peers',
      'no-tlsv1',
      'no-tlsv1_1',
    ]) {
      assert.deepEqual(values(opts, flag), [undefined], flag);
    }
    assert.deepEqual(values(opts, 'log-file'), ['stdout']);
  });

  test('test profile: loopback peers allowed, nothing denied, bound to 127.0.0.1', () => {
    const config = loadConfig({ turn: { secret: 'test-turn-secret-0123456789' } });
    const opts = options(renderCoturnConfig(config));
    assert.deepEqual(values(opts, 'allow-loopback-peers'), [undefined]);
    assert.deepEqual(values(opts, 'denied-peer-ip'), []);
    assert.deepEqual(values(opts, 'listening-ip'), ['127.0.0.1']);
    assert.deepEqual(values(opts, 'relay-ip'), ['127.0.0.1']);
    assert.deepEqual(values(opts, 'realm'), [config.turn.realm]);
    assert.deepEqual(values(opts, 'static-auth-secret'), ['test-turn-secret-0123456789']);
    assert.ok(!/\{\{|\}\}|^##/m.test(renderCoturnConfig(config)), 'no template syntax left');
  });

  test('overrides replace ports and secret; invalid settings are refused', () => {
    const config = loadConfig({ turn: { secret: 'test-turn-secret-0123456789' } });
    const opts = options(
      renderCoturnConfig(config, {
        listeningPort: 4000,
        minPort: 5000,
        maxPort: 5009,
        secret: 'x'.repeat(20),
      }),
    );
    assert.deepEqual(values(opts, 'listening-port'), ['4000']);
    assert.deepEqual(values(opts, 'min-port'), ['5000']);
    assert.deepEqual(values(opts, 'max-port'), ['5009']);
    assert.deepEqual(values(opts, 'static-auth-secret'), ['x'.repeat(20)]);
    assert.throws(() => renderCoturnConfig(config, { minPort: 6000, maxPort: 5000 }), /minPort/);
    assert.throws(() => renderCoturnConfig(config, { listeningPort: 49170 }), /inside the relay port range/);
    assert.throws(() => renderCoturnConfig(config, { secret: 'abc\nno-auth' }), /whitespace/);
  });
});
