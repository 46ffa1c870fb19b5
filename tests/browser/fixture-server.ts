// The real server (tests/support/server.ts) plus two test-only routes serving the fixture page
// and its esbuild bundle, registered before listening so the page shares the API's origin (and its cookies).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AppConfig, DeepPartialConfig } from '@consulta/server';
import { build } from 'esbuild';
import { startTestServer } from '../support/server.ts';

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

export async function startFixtureServer(overrides: DeepPartialConfig = {}): Promise<FixtureServer> {
  const [html, js] = await Promise.all([
    readFile(path.join(here, 'fixture/index.html'), 'utf8'),
    bundleFixture(),
  ]);
  const server = await startTestServer({
    overrides,
    beforeListen: (app) => {
      app.get('/__fixture/', { schema: { hide: true } }, async (_req, reply) =>
        reply.type('text/html').send(html),
      );
      app.get('/__fixture/app.js', { schema: { hide: true } }, async (_req, reply) =>
        reply.type('text/javascript').send(js),
      );
    },
  });
  return {
    url: server.url,
    pageUrl: `${server.url}/__fixture/`,
    config: server.config,
    createClinician: (name) => server.createStaff('CLINICIAN', name),
    close: () => server.close(),
  };
}
