import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../generated/prisma/client.ts';
import type { Backend } from './backend.ts';

/** A PostgreSQL server at url, through a pg pool shared with Prisma's adapter. */
export function openPostgresBackend(url: string, log: (msg: string) => void): Backend {
  const pool = new pg.Pool({ connectionString: url });
  // Without a listener, an idle connection dropped by the server would crash the process.
  pool.on('error', (err) => log(`database: idle connection error: ${err.message}`));
  return {
    kind: 'postgres',
    migrationSession: async () => {
      const client = await pool.connect();
      // A checked-out client has no pool listener; a dropped connection must fail the migration, not the process.
      client.on('error', (err) => log(`database: migration connection error: ${err.message}`));
      return {
        session: {
          exec: async (sql) => {
            await client.query(sql);
          },
          query: async <T>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as T[],
        },
        // Destroy rather than return it: nothing session-level (lock, failed transaction) may leak into the pool.
        release: async () => client.release(true),
      };
    },
    createPrisma: () => new PrismaClient({ adapter: new PrismaPg(pool) }),
    close: () => pool.end(),
  };
}
