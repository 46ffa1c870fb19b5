// Configuration mistakes stop the server at boot with a message that names the key, never a stack trace.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
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
    // The recording master key too: one key, current, kept across starts.
    assert.equal(first.recording.masterKeys.current, 'k1');
    assert.equal(Buffer.from(first.recording.masterKeys.keys.k1!, 'base64').length, 32);
    assert.deepEqual(second.recording.masterKeys, first.recording.masterKeys);
  } finally {
    await rm(varDir, { recursive: true, force: true });
  }
});

test('recording master keys: from a key file, and a bad key or current id is refused by name', async () => {
  const varDir = await mkdtemp(path.join(os.tmpdir(), 'consulta-config-'));
  try {
    const key = Buffer.alloc(32, 7).toString('base64');
    const keyFile = path.join(varDir, 'master-keys.json');
    await writeFile(keyFile, JSON.stringify({ current: 'b', keys: { a: key, b: key } }));
    const fromFile = loadConfig({ server: { varDir }, recording: { masterKeyFile: keyFile } });
    assert.deepEqual(fromFile.recording.masterKeys, { current: 'b', keys: { a: key, b: key } });
    assert.throws(
      () =>
        loadConfig({
          server: { varDir },
          recording: {
            masterKeys: {
              current: 'a',
              keys: { a: 'c2hvcnQgYnV0IGxvbmcgZW5vdWdoIHRvIHBhc3MgdGhlIHNjaGVtYQ==' },
            },
          },
        }),
      (err: unknown) => err instanceof ConfigError && /key "a" must be 32 bytes/.test(err.message),
    );
    assert.throws(
      () => loadConfig({ server: { varDir }, recording: { masterKeys: { current: 'z', keys: { a: key } } } }),
      (err: unknown) => err instanceof ConfigError && /current "z"/.test(err.message),
    );
    await writeFile(keyFile, '{"current":"a"}');
    assert.throws(
      () => loadConfig({ server: { varDir }, recording: { masterKeyFile: keyFile } }),
      (err: unknown) => err instanceof ConfigError && /masterKeyFile/.test(err.message),
    );
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
