import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DatabaseKind, OpenDatabaseOptions } from '../../apps/server/src/db/index.ts';
import { createTestDatabase } from '../support/postgres.ts';

/** Every data test runs once per kind of database the server supports. */
export const backendKinds: DatabaseKind[] = ['pglite', 'postgres'];

export interface TestBackend {
  kind: DatabaseKind;
  /** openDatabase options for an empty database of this kind, not yet migrated. */
  options: OpenDatabaseOptions;
  dispose(): Promise<void>;
}

/** A fresh empty database: a PGlite folder in the temp dir, or a throwaway database on the test PostgreSQL. */
export async function createTestBackend(kind: DatabaseKind): Promise<TestBackend> {
  if (kind === 'pglite') {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'consulta-pglite-'));
    return {
      kind,
      options: { url: null, dataDir },
      dispose: async () => rmSync(dataDir, { recursive: true, force: true }),
    };
  }
  const db = await createTestDatabase();
  return {
    kind,
    // The folder is unused with a URL; pointing it nowhere writable would hide a bug that used it anyway.
    options: { url: db.url, dataDir: '/nonexistent/consulta-pglite' },
    dispose: db.drop,
  };
}
