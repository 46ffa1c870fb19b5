// The real server (as tests/support/server.ts starts it) plus two test-only routes serving the fixture page
// and its esbuild bundle, registered before listening so the page shares the API's origin (and its cookies).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type AppConfig,
  buildApp,
  createStaffUser,
  type DeepPartialConfig,
  loadConfig,
  openDatabase,
} from '@consulta/server';
import { build } from 'esbuild';
import { freePort } from '../support/server.ts';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Bundles the fixture entry (and @consulta/call-engine with it) for the browser, in memory. */
export async function bundleFixture(): Promise<string> {
  const result = await build({
    entryPoints: [path.join(here, 'fixture/app.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'chrome120',
    write: false,
    sourcemap: 'inline',
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

export interface FixtureServer {
  url: string;
  /** The fixture page, same origin as the API. */
  pageUrl: string;
  config: AppConfig;
  createClinician(name: string): Promise<{ email: string; password: string }>;
  close(): Promise<void>;
}

let accounts = 0;

export async function startFixtureServer(overrides: DeepPartialConfig = {}): Promise<FixtureServer> {
  const [html, js] = await Promise.all([
    readFile(path.join(here, 'fixture/index.html'), 'utf8'),
    bundleFixture(),
  ]);
  const varDir = await mkdtemp(path.join(os.tmpdir(), 'consulta-browser-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const config = loadConfig({
    ...overrides,
    server: { host: '127.0.0.1', port, publicUrl: url, varDir, logLevel: 'warn', ...overrides.server },
    database: { url: null },
  });
  const db = await openDatabase({ url: null, dataDir: path.join(varDir, 'pglite') });
  const app = await buildApp({ config, prisma: db.prisma });
  app.get('/__fixture/', { schema: { hide: true } }, async (_req, reply) =>
    reply.type('text/html').send(html),
  );
  app.get('/__fixture/app.js', { schema: { hide: true } }, async (_req, reply) =>
    reply.type('text/javascript').send(js),
  );
  await app.listen({ host: '127.0.0.1', port });
  return {
    url,
    pageUrl: `${url}/__fixture/`,
    config,
    async createClinician(name) {
      const n = ++accounts;
      const email = `clinician${n}-${port}@example.test`;
      const password = `pw-${n}-correct-horse-battery`;
      await createStaffUser(db.prisma, { email, displayName: name, role: 'CLINICIAN', password });
      return { email, password };
    },
    async close() {
      await app.close();
      await db.close();
      await rm(varDir, { recursive: true, force: true });
    },
  };
}
