// Serving an engine test page (a page script built on engine-page.ts: the call fixture, the SFU fixture, the
// network lab page) from the real server: its HTML and the esbuild bundle of its script (with the call engine)
// at `base`, registered before the server listens so the page shares the API's origin and its cookies.
import { build } from 'esbuild';
import type { startTestServer } from './server.ts';

type App = Parameters<NonNullable<NonNullable<Parameters<typeof startTestServer>[0]>['beforeListen']>>[0];

export interface EngineTestPage {
  /** The path the page is served at, ending in `/`; its script is `${base}app.js`. */
  base: string;
  /** The page script's file. */
  entry: string;
  title: string;
  /** The size of the page's <video> elements. */
  video: { width: number; height: number };
  /** The page's own elements, shown above the #status log the page script writes. */
  body: string;
}

/** The page's HTML and its script's bundle (for any server that serves them: routes below, or a page server). */
export async function engineTestPageFiles(page: EngineTestPage): Promise<{ html: string; js: string }> {
  const js = await bundle(page.entry);
  const html = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>${page.title}</title>
    <style>
      body { font: 13px system-ui, sans-serif; margin: 8px; }
      video { width: ${page.video.width}px; height: ${page.video.height}px; background: #222; margin-right: 4px; }
      #status { margin-top: 6px; white-space: pre; }
    </style>
  </head>
  <body>
    ${page.body}
    <div id="status">loading</div>
    <script type="module" src="${page.base}app.js"></script>
  </body>
</html>
`;
  return { html, js };
}

/** Builds the page's script, then the routes to register (startTestServer's beforeListen). */
export async function engineTestPageRoutes(page: EngineTestPage): Promise<(app: App) => void> {
  const { html, js } = await engineTestPageFiles(page);
  return (app) => {
    app.get(page.base, { schema: { hide: true } }, async (_req, reply) => reply.type('text/html').send(html));
    app.get(`${page.base}app.js`, { schema: { hide: true } }, async (_req, reply) =>
      reply.type('text/javascript').send(js),
    );
  };
}

/** The page script and everything it imports (the call engine) as one ES module for the browser, in memory. */
async function bundle(entry: string): Promise<string> {
  const result = await build({
    entryPoints: [entry],
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
