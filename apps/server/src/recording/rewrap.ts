// Retiring a recording master key: every stored recording's data key re-wrapped under the current key, after
// which the old key can leave the configuration without making any file unreadable (docs/recording.md).
import { access } from 'node:fs/promises';
import { recordAudit } from '../audit/record.ts';
import type { PrismaClient } from '../db/index.ts';
import { type Keyring, rewrapSealedFile, SealedFileError } from './at-rest/index.ts';

export interface RewrapOutcome {
  rewrapped: number;
  /** Already under the current key. */
  current: number;
  /** A row whose file is gone (deleted by hand, or a failed recording). */
  missing: number;
  /** Files that could not be re-wrapped: an unknown key, a damaged header. Left as they were. */
  failed: Array<{ recordingId: string; code: string; message: string }>;
}

export async function rewrapRecordings(prisma: PrismaClient, keyring: Keyring): Promise<RewrapOutcome> {
  const out: RewrapOutcome = { rewrapped: 0, current: 0, missing: 0, failed: [] };
  const rows = await prisma.recording.findMany({
    where: { filePath: { not: null } },
    select: { id: true, filePath: true },
    orderBy: { createdAt: 'asc' },
  });
  for (const row of rows) {
    const file = row.filePath!;
    try {
      await access(file);
    } catch {
      out.missing++;
      continue;
    }
    try {
      out[await rewrapSealedFile(file, keyring)]++;
    } catch (err) {
      const code = err instanceof SealedFileError ? err.code : 'IO_ERROR';
      out.failed.push({ recordingId: row.id, code, message: (err as Error).message });
    }
  }
  await recordAudit(prisma, {
    action: 'recording.rewrap',
    actor: { kind: 'system', id: 'rewrap-recordings' },
    outcome: out.failed.length > 0 ? 'failed' : 'ok',
    details: {
      currentKey: keyring.currentId,
      rewrapped: out.rewrapped,
      current: out.current,
      missing: out.missing,
      failed: out.failed.map((f) => ({ recordingId: f.recordingId, code: f.code })),
    },
  });
  return out;
}
