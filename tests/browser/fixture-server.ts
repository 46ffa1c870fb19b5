// The real server (tests/support/server.ts) plus two test-only routes serving a fixture page and its esbuild
// bundle (engine-page-routes.ts), so the page shares the API's origin (and its cookies). Two pages exist:
// `fixture/` (p2p and tree calls) and `sfu-fixture/` (SFU calls, migration, recording).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AppConfig, DeepPartialConfig } from '@consulta/server';
import { type EngineTestPage, engineTestPageRoutes } from '../support/engine-page-routes.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const here = path.dirname(fileURLToPath(import.meta.url));

export type FixturePage = 'fixture' | 'sfu-fixture';

/** The two pages: their elements (the page scripts look them up by id) and video size. */
const PAGES: Record<FixturePage, Omit<EngineTestPage, 'base' | 'entry'>> = {
  fixture: {
    title: 'Consulta call-engine fixture',
    video: { width: 320, height: 240 },
    body: '<video id="local" autoplay muted playsinline></video><video id="remote" autoplay muted playsinline></video>',
  },
  'sfu-fixture': {
    title: 'Consulta SFU fixture',
    video: { width: 160, height: 120 },
    body: '<div id="tiles"></div>',
  },
};

/** The fixture page `page` as engine-page-routes serves it (at `/__<page>/`). */
export function fixtureTestPage(page: FixturePage): EngineTestPage {
  return { ...PAGES[page], base: `/__${page}/`, entry: path.join(here, page, 'app.ts') };
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
  const spec = fixtureTestPage(page);
  const routes = await engineTestPageRoutes(spec);
  const base = spec.base;
  const server = await startTestServer({ overrides, beforeListen: routes });
  return {
    url: server.url,
    pageUrl: `${server.url}${base}`,
    config: server.config,
    createClinician: (name) => server.createStaff('CLINICIAN', name),
    server,
    close: () => server.close(),
  };
}
