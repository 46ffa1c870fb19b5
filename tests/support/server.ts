import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  type AppConfig,
  buildApp,
  createStaffUser,
  type DeepPartialConfig,
  loadConfig,
  openDatabase,
} from '@consulta/server';
import { HttpClient } from './http.ts';

export interface TestServer {
  url: string;
  app: Awaited<ReturnType<typeof buildApp>>;
  config: AppConfig;
  db: Awaited<ReturnType<typeof openDatabase>>;
  /** Creates a staff account and returns its credentials. */
  createStaff(role: 'CLINICIAN' | 'ADMIN', name?: string): Promise<{ email: string; password: string }>;
  /** Creates a staff account and returns a client signed in as it. */
  signedIn(role: 'CLINICIAN' | 'ADMIN', name?: string): Promise<HttpClient>;
  close(): Promise<void>;
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

let accounts = 0;

/** The real server (real HTTP, real WebSocket, real database) on a loopback port, with its own var/ dir. */
export async function startTestServer(
  options: {
    databaseUrl?: string;
    overrides?: DeepPartialConfig;
    /** Where to listen (default 127.0.0.1 on a free port); the network lab listens on its public address. */
    host?: string;
    port?: number;
    /** Extra routes (test fixtures) to register before the server listens. */
    beforeListen?: (app: Awaited<ReturnType<typeof buildApp>>, config: AppConfig) => Promise<void> | void;
  } = {},
): Promise<TestServer> {
  const varDir = await mkdtemp(path.join(os.tmpdir(), 'consulta-test-'));
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? (await freePort(host));
  const url = port === 80 ? `http://${host}` : `http://${host}:${port}`;
  const config = loadConfig({
    ...options.overrides,
    server: {
      host,
      port,
      publicUrl: url,
      varDir,
      logLevel: 'warn',
      ...options.overrides?.server,
    },
    database: { url: options.databaseUrl ?? null },
  });
  const db = await openDatabase({ url: config.database.url, dataDir: path.join(varDir, 'pglite') });
  const app = await buildApp({ config, prisma: db.prisma });
  await options.beforeListen?.(app, config);
  await app.listen({ host, port });
  const createStaff: TestServer['createStaff'] = async (role, name) => {
    const n = ++accounts;
    const email = `${role.toLowerCase()}${n}-${port}@example.test`;
    const password = `pw-${n}-correct-horse`;
    await createStaffUser(db.prisma, { email, displayName: name ?? `${role} ${n}`, role, password });
    return { email, password };
  };
  return {
    url,
    app,
    config,
    db,
    createStaff,
    async signedIn(role, name) {
      const { email, password } = await createStaff(role, name);
      const client = new HttpClient(url);
      const res = await client.post('/api/auth/sign-in', { email, password });
      if (res.status !== 200) throw new Error(`sign-in failed: ${res.status} ${JSON.stringify(res.body)}`);
      return client;
    },
    async close() {
      await app.close();
      await db.close();
      await rm(varDir, { recursive: true, force: true });
    },
  };
}
