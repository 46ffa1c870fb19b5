import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaClient } from '../generated/prisma/client.ts';
import type { Backend } from './backend.ts';
import { lockDataDir } from './data-dir-lock.ts';

/** Embedded PostgreSQL (PGlite, WebAssembly) persisted in dataDir; one process at a time may open it. */
export async function openPgliteBackend(dataDir: string): Promise<Backend> {
  mkdirSync(dataDir, { recursive: true });
  const unlock = lockDataDir(dataDir);
  const pglite = await PGlite.create(dataDir).catch((err) => {
    unlock();
    throw err;
  });
  return {
    kind: 'pglite',
    // PGlite is a single connection, so the migration session and Prisma share it (one after the other).
    migrationSession: async () => ({
      session: {
        exec: async (sql) => {
          await pglite.exec(sql);
        },
        query: async <T>(sql: string, params?: unknown[]) => (await pglite.query<T>(sql, params)).rows,
      },
      release: async () => {},
    }),
    createPrisma: () => new PrismaClient({ adapter: new PrismaPGlite(pglite) }),
    close: async () => {
      await pglite.close();
      unlock();
    },
  };
}
