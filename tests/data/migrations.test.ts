import assert from 'node:assert/strict';
import {
  appendFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Database, MigrationError, openDatabase } from '../../apps/server/src/db/index.ts';
import { backendKinds, createTestBackend, type TestBackend } from './backends.ts';

const repoMigrations = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../prisma/migrations');
const repoMigrationNames = readdirSync(repoMigrations).sort();
const noteSql = '-- A test table.\nCREATE TABLE "TestNote" ("id" TEXT PRIMARY KEY);\n';

/** Opens, runs fn, closes; collects what openDatabase logged. */
async function withDatabase<T>(
  backend: TestBackend,
  migrationsDir: string,
  fn: (db: Database, log: string[]) => Promise<T>,
): Promise<T> {
  const log: string[] = [];
  const db = await openDatabase({ ...backend.options, migrationsDir, log: (m) => log.push(m) });
  try {
    return await fn(db, log);
  } finally {
    await db.close();
  }
}

const appliedNames = async (db: Database) =>
  (
    await db.prisma.$queryRawUnsafe<{ name: string }[]>('SELECT name FROM _consulta_migrations ORDER BY name')
  ).map((r) => r.name);

for (const kind of backendKinds) {
  // The tests run in order on one database, each leaving it as the next expects: a fresh database costs
  // seconds on PGlite.
  describe(`migration runner (${kind})`, () => {
    let backend: TestBackend;
    let migrationsDir: string;

    before(async () => {
      backend = await createTestBackend(kind);
      // A private copy of prisma/migrations, so tests can add, edit and remove folders.
      migrationsDir = mkdtempSync(path.join(tmpdir(), 'consulta-migrations-'));
      cpSync(repoMigrations, migrationsDir, { recursive: true });
    });
    after(async () => {
      rmSync(migrationsDir, { recursive: true, force: true });
      await backend?.dispose();
    });

    test('applies every migration to an empty database and records each once', async () => {
      await withDatabase(backend, migrationsDir, async (db, log) => {
        assert.deepEqual(await appliedNames(db), repoMigrationNames);
        for (const name of repoMigrationNames)
          assert.ok(log.includes(`database: applying migration ${name}`));
        await db.prisma.user.create({
          data: { email: 'kept@example.test', displayName: 'Kept', role: 'ADMIN', passwordHash: 'x' },
        });
      });
    });

    test('a restart applies nothing and keeps the data', async () => {
      await withDatabase(backend, migrationsDir, async (db, log) => {
        assert.equal(log.filter((m) => m.includes('applying migration')).length, 0);
        assert.deepEqual(await appliedNames(db), repoMigrationNames);
        const kept = await db.prisma.user.findUnique({ where: { email: 'kept@example.test' } });
        assert.equal(kept?.displayName, 'Kept');
      });
    });

    test('a new migration folder is applied on the next start, alone', async () => {
      writeMigration(migrationsDir, '9000_add_note', noteSql);
      await withDatabase(backend, migrationsDir, async (db, log) => {
        assert.deepEqual(
          log.filter((m) => m.includes('applying migration')),
          ['database: applying migration 9000_add_note'],
        );
        assert.deepEqual(await appliedNames(db), [...repoMigrationNames, '9000_add_note']);
        await db.prisma.$executeRawUnsafe(`INSERT INTO "TestNote" VALUES ('n1')`);
      });
    });

    test('an applied migration whose file changed is refused, and accepted again once restored', async () => {
      const file = path.join(migrationsDir, '9000_add_note', 'migration.sql');
      appendFileSync(file, '\n-- edited afterwards\n');
      await assert.rejects(
        openDatabase({ ...backend.options, migrationsDir }),
        (err: unknown) =>
          err instanceof MigrationError && /9000_add_note was edited after it was applied/.test(err.message),
      );
      writeMigration(migrationsDir, '9000_add_note', noteSql);
      await withDatabase(backend, migrationsDir, async () => {});
    });

    test('CRLF line endings (a Windows checkout) do not count as a change', async () => {
      writeMigration(migrationsDir, '9000_add_note', noteSql.replace(/\n/g, '\r\n'));
      try {
        await withDatabase(backend, migrationsDir, async () => {});
      } finally {
        writeMigration(migrationsDir, '9000_add_note', noteSql);
      }
    });

    test('a failing migration is rolled back whole, not recorded, and retried on the next start', async () => {
      const good = 'CREATE TABLE "TestHalf" ("id" TEXT PRIMARY KEY);';
      writeMigration(migrationsDir, '9001_half', `${good}\nINSERT INTO "NoSuchTable" VALUES (1);`);
      await assert.rejects(
        openDatabase({ ...backend.options, migrationsDir }),
        (err: unknown) =>
          err instanceof MigrationError && /9001_half failed and was rolled back/.test(err.message),
      );
      writeMigration(migrationsDir, '9001_half', good);
      await withDatabase(backend, migrationsDir, async (db, log) => {
        // Had the first statement survived the failed attempt, this CREATE TABLE would fail now.
        assert.deepEqual(
          log.filter((m) => m.includes('applying migration')),
          ['database: applying migration 9001_half'],
        );
        assert.deepEqual(await appliedNames(db), [...repoMigrationNames, '9000_add_note', '9001_half']);
      });
    });

    test('a database with a migration the files lack (a newer version ran on it) is refused', async () => {
      const moved = path.join(tmpdir(), `consulta-moved-${process.pid}-${Date.now()}`);
      renameSync(path.join(migrationsDir, '9001_half'), moved);
      try {
        await assert.rejects(
          openDatabase({ ...backend.options, migrationsDir }),
          (err: unknown) => err instanceof MigrationError && /9001_half .*no such folder/.test(err.message),
        );
      } finally {
        renameSync(moved, path.join(migrationsDir, '9001_half'));
      }
    });

    test('a migration folder without migration.sql is refused before connecting', async () => {
      mkdirSync(path.join(migrationsDir, '9002_empty'));
      try {
        await assert.rejects(
          openDatabase({ ...backend.options, migrationsDir }),
          (err: unknown) =>
            err instanceof MigrationError && /9002_empty has no migration.sql/.test(err.message),
        );
      } finally {
        rmSync(path.join(migrationsDir, '9002_empty'), { recursive: true });
      }
    });
  });
}

describe('migration runner with concurrent starts (postgres)', () => {
  let backend: TestBackend;
  before(async () => {
    backend = await createTestBackend('postgres');
  });
  after(async () => {
    await backend?.dispose();
  });

  test('servers starting at once on an empty database migrate it once and all come up', async () => {
    const logs: string[][] = [];
    const results = await Promise.allSettled(
      Array.from({ length: 4 }, () => {
        const log: string[] = [];
        logs.push(log);
        return openDatabase({ ...backend.options, log: (m) => log.push(m) });
      }),
    );
    const dbs = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    try {
      assert.deepEqual(
        results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : [])),
        [],
        'every server must start',
      );
      const applying = logs.flat().filter((m) => m.includes('applying migration'));
      assert.equal(applying.length, repoMigrationNames.length);
      assert.deepEqual(await appliedNames(dbs[0]!), repoMigrationNames);
      for (const db of dbs) assert.equal(await db.prisma.user.count(), 0);
    } finally {
      await Promise.all(dbs.map((db) => db.close()));
    }
  });
});

function writeMigration(dir: string, name: string, sql: string): void {
  mkdirSync(path.join(dir, name), { recursive: true });
  writeFileSync(path.join(dir, name, 'migration.sql'), sql);
}
