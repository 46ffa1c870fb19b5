import type { PrismaClient } from '../generated/prisma/client.ts';
import type { Backend, DatabaseKind } from './backend.ts';
import { applyMigrations } from './migrate.ts';
import { readMigrationFiles } from './migration-files.ts';
import { openPgliteBackend } from './pglite-backend.ts';
import { openPostgresBackend } from './postgres-backend.ts';

export interface OpenDatabaseOptions {
  /** postgres:// URL of a PostgreSQL server, or null for embedded PGlite in dataDir. */
  url: string | null;
  /** PGlite's data folder (created if missing); unused with a URL. */
  dataDir: string;
  log?: (msg: string) => void;
  /** Folder of migration folders; defaults to the repository's prisma/migrations. */
  migrationsDir?: string;
}

export interface Database {
  prisma: PrismaClient;
  kind: DatabaseKind;
  close(): Promise<void>;
}

/** Connects, applies pending migrations, and returns a ready Prisma client. */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  const log = options.log ?? (() => {});
  // Read the files first: a broken migrations folder should fail before any connection is made.
  const files = readMigrationFiles(options.migrationsDir);
  const backend: Backend = options.url
    ? openPostgresBackend(options.url, log)
    : await openPgliteBackend(options.dataDir);
  try {
    const { session, release } = await backend.migrationSession();
    try {
      const applied = await applyMigrations(session, files, log);
      log(`database (${backend.kind}): ${applied.length} migration(s) applied, ${files.length} in total`);
    } finally {
      await release();
    }
  } catch (err) {
    await backend.close().catch(() => {});
    throw err;
  }
  const prisma = backend.createPrisma();
  let closing: Promise<void> | undefined;
  return {
    prisma,
    kind: backend.kind,
    // Idempotent, because both a shutdown handler and a test's after() may call it.
    close: () => {
      closing ??= prisma.$disconnect().then(() => backend.close());
      return closing;
    },
  };
}
