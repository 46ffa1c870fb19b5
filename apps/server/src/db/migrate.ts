import { MigrationError } from './errors.ts';
import type { MigrationFile } from './migration-files.ts';
import type { SqlSession } from './sql-session.ts';

/** Table recording applied migrations. Not in schema.prisma: the app never reads it through Prisma. */
export const migrationsTable = '_consulta_migrations';

// Any fixed 64-bit number: every Consulta process migrating the same database must use the same one.
const lockKey = '7295110337491521';

/**
 * Applies the migrations not yet recorded, each in its own transaction, and returns their names.
 * Holds a session-level advisory lock throughout, so a second server starting at the same moment waits and
 * then finds nothing left to do. Refuses to run when an applied migration's file has changed or is missing.
 */
export async function applyMigrations(
  session: SqlSession,
  files: MigrationFile[],
  log: (msg: string) => void = () => {},
): Promise<string[]> {
  const [got] = await session.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock(${lockKey}) AS locked`);
  if (!got?.locked) {
    log('database: another process is migrating; waiting for it');
    await session.query(`SELECT pg_advisory_lock(${lockKey})`);
  }
  try {
    await session.exec(
      `CREATE TABLE IF NOT EXISTS "${migrationsTable}" (
        "name" TEXT PRIMARY KEY,
        "checksum" TEXT NOT NULL,
        "applied_at" TIMESTAMPTZ NOT NULL DEFAULT now()
      )`,
    );
    const applied = await session.query<{ name: string; checksum: string }>(
      `SELECT "name", "checksum" FROM "${migrationsTable}"`,
    );
    checkApplied(applied, files);
    const done = new Set(applied.map((a) => a.name));
    const pending = files.filter((f) => !done.has(f.name));
    for (const file of pending) {
      log(`database: applying migration ${file.name}`);
      await applyOne(session, file);
    }
    return pending.map((f) => f.name);
  } finally {
    // A failure here must not hide the real error; the lock also ends with the session, which is closed next.
    await session.query(`SELECT pg_advisory_unlock(${lockKey})`).catch(() => {});
  }
}

function checkApplied(applied: { name: string; checksum: string }[], files: MigrationFile[]): void {
  const byName = new Map(files.map((f) => [f.name, f]));
  for (const row of applied) {
    const file = byName.get(row.name);
    if (!file) {
      throw new MigrationError(
        `The database has migration ${row.name} applied but prisma/migrations has no such folder. ` +
          'It was made by a newer Consulta, or a migration folder was deleted or renamed; refusing to start.',
      );
    }
    if (file.checksum !== row.checksum) {
      throw new MigrationError(
        `Migration ${row.name} was edited after it was applied (checksum ${row.checksum.slice(0, 12)}… in the ` +
          `database, ${file.checksum.slice(0, 12)}… on disk); refusing to start. Restore the original file and ` +
          'put the change in a new migration folder.',
      );
    }
  }
}

async function applyOne(session: SqlSession, file: MigrationFile): Promise<void> {
  await session.exec('BEGIN');
  try {
    await session.exec(file.sql);
    await session.query(`INSERT INTO "${migrationsTable}" ("name", "checksum") VALUES ($1, $2)`, [
      file.name,
      file.checksum,
    ]);
    await session.exec('COMMIT');
  } catch (err) {
    // If the connection itself broke, ROLLBACK fails too; the migration's own error is the one to report.
    await session.exec('ROLLBACK').catch(() => {});
    throw new MigrationError(`Migration ${file.name} failed and was rolled back: ${(err as Error).message}`, {
      cause: err,
    });
  }
}
