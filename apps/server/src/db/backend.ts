import type { PrismaClient } from '../generated/prisma/client.ts';
import type { SqlSession } from './sql-session.ts';

export type DatabaseKind = 'pglite' | 'postgres';

/** What openDatabase needs from each kind of database. */
export interface Backend {
  kind: DatabaseKind;
  /** A single connection for the migration runner, released before Prisma starts. */
  migrationSession(): Promise<{ session: SqlSession; release(): Promise<void> }>;
  createPrisma(): PrismaClient;
  /** Closes the underlying connection(s); call after the Prisma client has disconnected. */
  close(): Promise<void>;
}
