import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inLoopbackNamespace } from './chromium.ts';

/**
 * The local PostgreSQL used by tests (trust auth); override with CONSULTA_TEST_PG_URL. Inside a loopback-only
 * network namespace (namespaced-suite.ts) the machine's 127.0.0.1:5432 is out of reach, but its unix socket is not
 * (a path in the file system belongs to no network namespace): browser tests that need PostgreSQL use that.
 */
const adminUrl =
  process.env.CONSULTA_TEST_PG_URL ??
  (inLoopbackNamespace()
    ? 'postgres://postgres@localhost/postgres?host=/var/run/postgresql'
    : 'postgres://postgres@127.0.0.1:5432/postgres');

/**
 * Creates an empty database consulta_test_<random> on the test server, so each test file gets its own schema
 * and files can run against one server without seeing each other's rows. Call drop() in after().
 */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `consulta_test_${randomBytes(6).toString('hex')}`;
  await admin(`CREATE DATABASE "${name}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    // WITH (FORCE) ends connections a failed test left open, which would otherwise block the drop.
    drop: () => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(
      `Cannot reach the test PostgreSQL at ${adminUrl} (${(err as Error).message}). Start it with ` +
        '`pg_ctlcluster --skip-systemctl-redirect 15 main start` or set CONSULTA_TEST_PG_URL.',
      { cause: err },
    );
  }
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
