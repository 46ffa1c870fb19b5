// Re-wrapping a sealed file under the current master key: only the header changes, the file then opens with the
// new key alone; a file already under it is left alone; one that fails is left as it was, nothing half-written.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, test } from 'node:test';
import { openSealedFile, rewrapSealedFile, sealToFile } from './files.ts';
import { Keyring, newMasterKey } from './keyring.ts';
import { SealedFileError } from './sealed-format.ts';

const k1 = newMasterKey();
const k2 = newMasterKey();
const dir = await mkdtemp(path.join(tmpdir(), 'consulta-rewrap-'));
after(() => rm(dir, { recursive: true, force: true }));

async function read(file: string, keyring: Keyring): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of openSealedFile(file, keyring)) parts.push(p as Buffer);
  return Buffer.concat(parts);
}

test('re-wrap: the chunks stay, the header names the current key, the old key is no longer needed', async () => {
  const file = path.join(dir, 'a.sealed');
  const plain = randomBytes(200 * 1024);
  await sealToFile(Readable.from([plain]), file, new Keyring({ current: 'k1', keys: { k1 } }));
  const sealed = await readFile(file);
  const rotated = new Keyring({ current: 'k2', keys: { k1, k2 } });
  assert.equal(await rewrapSealedFile(file, rotated), 'rewrapped');
  const after = await readFile(file);
  assert.ok(after.subarray(-1024).equals(sealed.subarray(-1024)), 'the chunks are the same bytes');
  assert.ok((await read(file, new Keyring({ current: 'k2', keys: { k2 } }))).equals(plain));
  assert.equal(await rewrapSealedFile(file, rotated), 'current');
});

test('a file whose header fails is left as it was, with no half-written file beside it', async () => {
  const file = path.join(dir, 'b.sealed');
  await sealToFile(Readable.from([randomBytes(1000)]), file, new Keyring({ current: 'k1', keys: { k1 } }));
  const damaged = await readFile(file);
  damaged[40] = damaged[40]! ^ 0x01;
  await writeFile(file, damaged);
  await assert.rejects(
    rewrapSealedFile(file, new Keyring({ current: 'k2', keys: { k1, k2 } })),
    (err: unknown) => err instanceof SealedFileError && err.code === 'TAMPERED',
  );
  assert.ok((await readFile(file)).equals(damaged));
  assert.ok(!existsSync(`${file}.rewrap`));
  await assert.rejects(
    rewrapSealedFile(file, new Keyring({ current: 'k2', keys: { k2 } })),
    (err: unknown) => err instanceof SealedFileError && err.code === 'UNKNOWN_KEY',
  );
});
