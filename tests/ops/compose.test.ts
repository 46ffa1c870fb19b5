// Validates docker-compose.yml with Debian's docker-compose 1.29 (offline `config`), which rejects unknown keys.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { repoRoot } from '../../apps/server/src/config/index.ts';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A project directory holding the compose file (possibly altered) and an .env made from .env.example. */
function project(edit: { compose?: (s: string) => string; env?: (s: string) => string } = {}): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'consulta-compose-'));
  dirs.push(dir);
  const compose = readFileSync(path.join(repoRoot, 'docker-compose.yml'), 'utf8');
  writeFileSync(path.join(dir, 'docker-compose.yml'), (edit.compose ?? ((s) => s))(compose));
  copyFileSync(path.join(repoRoot, '.env.example'), path.join(dir, '.env'));
  if (edit.env) writeFileSync(path.join(dir, '.env'), edit.env(readFileSync(path.join(dir, '.env'), 'utf8')));
  return dir;
}

function compose(dir: string, ...args: string[]) {
  // A clean environment: variables must come from the project's .env, not from whoever runs the tests.
  const result = spawnSync('docker-compose', args, {
    cwd: dir,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: dir },
  });
  if (result.error)
    throw new Error(`cannot run docker-compose (${result.error.message}); bash scripts/setup.sh test`);
  return result;
}

describe('docker-compose.yml', () => {
  test('is valid with the variables from .env.example', () => {
    const dir = project();
    const result = compose(dir, 'config', '-q');
    assert.equal(result.status, 0, result.stderr);
    const services = compose(dir, 'config', '--services').stdout.trim().split('\n').sort();
    assert.deepEqual(services, ['caddy', 'coturn', 'coturn-config', 'postgres', 'server', 'turn-tls']);
    const resolved = compose(dir, 'config').stdout;
    assert.match(
      resolved,
      /DATABASE_URL: postgres:\/\/consulta:change-me-openssl-rand-hex-32@postgres:5432\/consulta/,
    );
    assert.match(resolved, /NODE_ENV: production/);
    // TURN over TLS by default, with the certificate turn-tls copies from Caddy's data.
    assert.match(resolved, /TURN_TLS_PORT: '5349'/);
    assert.match(resolved, /TURN_TLS_CERT_FILE: \/etc\/consulta-turn-tls\/cert\.pem/);
  });

  test('fails on an unknown key', () => {
    const dir = project({ compose: (s) => s.replace('  server:\n', '  server:\n    restartt: always\n') });
    const result = compose(dir, 'config', '-q');
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, /restartt/);
  });

  test('fails when a required secret is missing from .env', () => {
    const dir = project({ env: (s) => s.replace(/^TURN_SECRET=.*$/m, '') });
    const result = compose(dir, 'config', '-q');
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, /TURN_SECRET/);
  });
});
