// Configuration mistakes stop the server at boot with a message that names the key, never a stack trace.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig, repoRoot } from '@consulta/server';

test('invalid values are reported by path', () => {
  assert.throws(
    () => loadConfig({ server: { port: 70000 }, email: { smtpUrl: 'http://not-smtp' } }),
    (err: unknown) =>
      err instanceof ConfigError &&
      /\/server\/port/.test(err.message) &&
      /\/email\/smtpUrl/.test(err.message),
  );
});

test('a fresh checkout needs no configuration: secrets are generated once and kept', async () => {
  const varDir = await mkdtemp(path.join(os.tmpdir(), 'consulta-config-'));
  try {
    const first = loadConfig({ server: { varDir } });
    const second = loadConfig({ server: { varDir } });
    assert.ok(first.turn.secret.length >= 32);
    assert.equal(first.turn.secret, second.turn.secret);
    assert.equal(first.auth.cookieSecret, second.auth.cookieSecret);
    assert.notEqual(first.turn.secret, first.auth.cookieSecret);
  } finally {
    await rm(varDir, { recursive: true, force: true });
  }
});

function start(env: Record<string, string>) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'apps/server/src/server.ts'], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, NODE_ENV: 'test', ...env },
  });
}

test('the server refuses to start on bad environment values, saying which', () => {
  const badPort = start({ PORT: 'eighty' });
  assert.equal(badPort.status, 78);
  assert.match(badPort.stderr, /PORT/);
  assert.doesNotMatch(badPort.stderr, /\n\s+at /, 'no stack trace');

  const badDb = start({ DATABASE_URL: 'mysql://localhost/consulta' });
  assert.equal(badDb.status, 78);
  assert.match(badDb.stderr, /\/database\/url/);
});
