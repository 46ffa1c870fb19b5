// Retiring a recording master key against the real database and real files: recordings sealed under the old key
// are re-wrapped under the new one (rewrapRecordings, what `npm run rewrap-recordings` runs), after which they
// open with the new key alone and the server still serves them byte for byte; a file whose header was altered is
// reported and left as it was, a row without a file is counted, and the run is audited.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import type { Consultation } from '@consulta/protocol';
import {
  Keyring,
  newMasterKey,
  openSealedFile,
  sealToFile,
} from '../../apps/server/src/recording/at-rest/index.ts';
import { rewrapRecordings } from '../../apps/server/src/recording/rewrap.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const oldKey = newMasterKey();
const newKey = newMasterKey();
let server: TestServer;
before(async () => {
  server = await startTestServer({
    // The server holds both keys, as during a rotation: the new one added (and made current elsewhere).
    overrides: { recording: { masterKeys: { current: 'old', keys: { old: oldKey, new: newKey } } } },
  });
});
after(() => server?.close());

async function plaintextOf(file: string, keyring: Keyring): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of openSealedFile(file, keyring)) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

test('recordings sealed under a retired key are re-wrapped and stay downloadable', async () => {
  const admin = await server.signedIn('ADMIN');
  const clinician = await server.signedIn('CLINICIAN');
  const consult = (await clinician.post<Consultation>('/api/consultations', { title: 'Rotated' })).body;
  const user = await server.db.prisma.user.findFirstOrThrow({ where: { role: 'ADMIN' } });
  const dir = path.join(server.config.server.varDir, 'recordings');
  await mkdir(dir, { recursive: true });
  const before = new Keyring({ current: 'old', keys: { old: oldKey } });
  const make = async (name: string, plain: Buffer | null) => {
    const filePath = path.join(dir, `${name}.sealed`);
    const sealed = plain ? await sealToFile(Readable.from([plain]), filePath, before) : null;
    return server.db.prisma.recording.create({
      data: {
        consultationId: consult.id,
        requestedById: user.id,
        status: 'COMPLETE',
        filePath,
        sizeBytes: BigInt(sealed?.sizeBytes ?? 0),
        sha256: sealed?.sha256 ?? 'a'.repeat(64),
        startedAt: new Date(Date.now() - 60_000),
        stoppedAt: new Date(),
      },
    });
  };
  // Two chunks and a bit, so the re-written file carries several chunks behind the new header.
  const plain = randomBytes(150 * 1024);
  const good = await make('good', plain);
  const servedBefore = await fetch(`${server.url}/api/recordings/${good.id}/file`, {
    headers: { cookie: admin.cookieHeader },
  });
  assert.ok(Buffer.from(await servedBefore.arrayBuffer()).equals(plain), 'served before the rotation');
  const damaged = await make('damaged', randomBytes(1000));
  await make('gone', null);
  // An altered byte in the damaged file's wrapped data key.
  const headerFlip = await readFile(damaged.filePath!);
  headerFlip[30] = headerFlip[30]! ^ 0x01;
  await writeFile(damaged.filePath!, headerFlip);

  const rotated = new Keyring({ current: 'new', keys: { old: oldKey, new: newKey } });
  const out = await rewrapRecordings(server.db.prisma, rotated);
  assert.equal(out.rewrapped, 1);
  assert.equal(out.missing, 1);
  assert.deepEqual(
    out.failed.map((f) => [f.recordingId, f.code]),
    [[damaged.id, 'TAMPERED']],
  );
  assert.deepEqual(await readFile(damaged.filePath!), headerFlip, 'a file that fails is left as it was');
  assert.ok(!existsSync(`${damaged.filePath}.rewrap`), 'no half-written file is left behind');

  // The server serves it byte for byte after the rotation.
  const served = await fetch(`${server.url}/api/recordings/${good.id}/file`, {
    headers: { cookie: admin.cookieHeader },
  });
  assert.equal(served.status, 200);
  assert.ok(Buffer.from(await served.arrayBuffer()).equals(plain));

  // The old key can go: the file opens with the new one alone, and is the same recording.
  const retired = new Keyring({ current: 'new', keys: { new: newKey } });
  const opened = await plaintextOf(good.filePath!, retired);
  assert.equal(createHash('sha256').update(opened).digest('hex'), good.sha256);
  // A second run finds it already under the current key.
  const again = await rewrapRecordings(server.db.prisma, rotated);
  assert.equal(again.current, 1);
  assert.equal(again.rewrapped, 0);

  // Both runs are audited, the first as failed (one file could not be re-wrapped).
  const audit = await server.db.prisma.auditEvent.findMany({
    where: { action: 'recording.rewrap' },
    orderBy: { at: 'asc' },
  });
  assert.equal(audit.length, 2);
  assert.equal(audit[0]!.outcome, 'failed');
  assert.equal((audit[0]!.details as { rewrapped: number }).rewrapped, 1);
});
