import { Prisma } from '../generated/prisma/client.ts';

/** A migration could not be read or applied, or the database disagrees with the migration files. */
export class MigrationError extends Error {
  override name = 'MigrationError';
}

/**
 * True when a write hit a unique constraint (an email or token hash already taken): Prisma's P2002, or the
 * same PostgreSQL error (23505) surfacing from $executeRaw/$queryRaw as P2010.
 */
export function isUniqueViolation(err: unknown): err is Prisma.PrismaClientKnownRequestError {
  if (!(err instanceof Prisma.PrismaClientKnownRequestError)) return false;
  return err.code === 'P2002' || sqlState(err) === '23505';
}

/**
 * True when a write or delete broke a foreign key: a reference to a missing row, or deleting a row that an
 * ON DELETE RESTRICT reference still points at. PostgreSQL 18 (and so PGlite 0.5) reports the latter as
 * restrict_violation (23001), which Prisma 7.10 does not map and surfaces as the generic P2039, while
 * PostgreSQL 15 reports 23503 (P2003); callers should not have to know which backend they are on.
 */
export function isForeignKeyViolation(err: unknown): err is Prisma.PrismaClientKnownRequestError {
  if (!(err instanceof Prisma.PrismaClientKnownRequestError)) return false;
  const state = sqlState(err);
  return err.code === 'P2003' || state === '23503' || state === '23001';
}

/** The PostgreSQL SQLSTATE behind a Prisma error raised through a driver adapter, if any. */
function sqlState(err: Prisma.PrismaClientKnownRequestError): string | undefined {
  const meta = err.meta as { driverAdapterError?: { cause?: { originalCode?: unknown } } } | undefined;
  const code = meta?.driverAdapterError?.cause?.originalCode;
  return typeof code === 'string' ? code : undefined;
}
