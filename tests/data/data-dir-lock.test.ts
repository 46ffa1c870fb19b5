import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { openDatabase } from '@consulta/server';

test('a second server cannot open the same embedded database folder; after close it can', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'consulta-lock-'));
  try {
    const first = await openDatabase({ url: null, dataDir: dir });
    await assert.rejects(openDatabase({ url: null, dataDir: dir }), /already open in this process/);
    // Another process, as a second `npm start` would be.
    const script = `import { openDatabase } from '@consulta/server'; await openDatabase({ url: null, dataDir: ${JSON.stringify(dir)} });`;
    const other = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: import.meta.dirname,
      encoding: 'utf8',
    });
    assert.notEqual(other.status, 0);
    assert.match(other.stderr, new RegExp(`in use by process ${process.pid}`));
    await first.close();
    const again = await openDatabase({ url: null, dataDir: dir });
    assert.equal(await again.prisma.user.count(), 0);
    await again.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
