// The real server plus the SFU fixture page (sfu-fixture/) and its esbuild bundle, served from the API's origin.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AppConfig, DeepPartialConfig } from '@consulta/server';
import { build } from 'esbuild';
import { startTestServer, type TestServer } from '../support/server.ts';

const here = path.dirname(fileURLToPath(import.meta.url));

export interface SfuFixtureServer {
  url: string;
  pageUrl: string;
  config: AppConfig;
  createClinician(name: string): Promise<{ email: string; password: string }>;
  /** The whole test server (database, staff accounts), for tests that need more than the page. */
  server: TestServer;
  close(): Promise<void>;
}

export async function startSfuFixtureServer(overrides: DeepPartialConfig): Promise<SfuFixtureServer> {
  const [html, bundle] = await Promise.all([
    readFile(path.join(here, 'sfu-fixture/index.html'), 'utf8'),
    build({
      entryPoints: [path.join(here, 'sfu-fixture/app.ts')],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'chrome120',
      write: false,
      sourcemap: 'inline',
      logLevel: 'silent',
    }),
  ]);
  const js = bundle.outputFiles[0]!.text;
  const server = await startTestServer({
    overrides,
    beforeListen: (app) => {
      app.get('/__sfu-fixture/', { schema: { hide: true } }, async (_req, reply) =>
        reply.type('text/html').send(html),
      );
      app.get('/__sfu-fixture/app.js', { schema: { hide: true } }, async (_req, reply) =>
        reply.type('text/javascript').send(js),
      );
    },
  });
  return {
    url: server.url,
    pageUrl: `${server.url}/__sfu-fixture/`,
    config: server.config,
    createClinician: (name) => server.createStaff('CLINICIAN', name),
    server,
    close: () => server.close(),
  };
}
