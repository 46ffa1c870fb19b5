// The real server (tests/support/server.ts) plus two test-only routes serving a fixture page and its esbuild
// bundle, registered before listening so the page shares the API's origin (and its cookies). Two pages exist:
// `fixture/` (p2p and tree calls) and `sfu-fixture/` (SFU calls, migration, recording).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AppConfig, DeepPartialConfig } from '@consulta/server';
import { build } from 'esbuild';
import { startTestServer, type TestServer } from '../support/server.ts';

const here = path.dirname(fileURLToPath(import.meta.url));

export type FixturePage = 'fixture' | 'sfu-fixture';

/** Bundles a fixture page's entry (and @consulta/call-engine with it) for the browser, in memory. */
async function bundle(page: FixturePage): Promise<string> {
  const result = await build({
    entryPoints: [path.join(here, page, 'app.ts')],
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
  /** The whole test server (database, staff accounts), for tests that need more than the page. */
  server: TestServer;
  close(): Promise<void>;
}

export async function startFixtureServer(
  overrides: DeepPartialConfig = {},
  page: FixturePage = 'fixture',
): Promise<FixtureServer> {
  const [html, js] = await Promise.all([readFile(path.join(here, page, 'index.html'), 'utf8'), bundle(page)]);
  const base = `/__${page}/`;
  const server = await startTestServer({
    overrides,
    beforeListen: (app) => {
      app.get(base, { schema: { hide: true } }, async (_req, reply) => reply.type('text/html').send(html));
      app.get(`${base}app.js`, { schema: { hide: true } }, async (_req, reply) =>
        reply.type('text/javascript').send(js),
      );
    },
  });
  return {
    url: server.url,
    pageUrl: `${server.url}${base}`,
    config: server.config,
    createClinician: (name) => server.createStaff('CLINICIAN', name),
    server,
    close: () => server.close(),
  };
}
