import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../config/load.ts';
import { MigrationError } from './errors.ts';

export const defaultMigrationsDir = path.join(repoRoot, 'prisma/migrations');

export interface MigrationFile {
  /** The folder's name, e.g. 0001_init; migrations apply in this order. */
  name: string;
  sql: string;
  checksum: string;
}

/** Reads <dir>/<name>/migration.sql for every folder, sorted by name. */
export function readMigrationFiles(dir: string = defaultMigrationsDir): MigrationFile[] {
  if (!existsSync(dir)) throw new MigrationError(`Migrations folder not found: ${dir}`);
  const names = readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    // Code-unit order, not locale order: the same on every machine.
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return names.map((name) => {
    const file = path.join(dir, name, 'migration.sql');
    if (!existsSync(file))
      throw new MigrationError(`Migration folder ${name} has no migration.sql (${file})`);
    const sql = readFileSync(file, 'utf8');
    return { name, sql, checksum: checksum(sql) };
  });
}

/** SHA-256 of the SQL with line endings normalised, so a Windows checkout (CRLF) does not look edited. */
export function checksum(sql: string): string {
  return createHash('sha256').update(sql.replace(/\r\n/g, '\n')).digest('hex');
}
