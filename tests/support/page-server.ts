// An engine test page (engine-page-routes.ts) served on its own, for tests whose API runs in other processes (the
// cluster's nodes): a load balancer in front of the nodes routes the page's path here (tcp-balancer.ts `byPath`),
// so the page shares the API's origin and cookies. Every answer closes its connection: the browser must not send a
// later API request down a connection that leads here.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type EngineTestPage, engineTestPageFiles } from './engine-page-routes.ts';

export interface PageServer {
  /** Where the balancer sends the page's path. */
  backend: { host: string; port: number };
  /** The page's path (`page.base`). */
  prefix: string;
  close(): Promise<void>;
}

export async function startPageServer(page: EngineTestPage): Promise<PageServer> {
  const { html, js } = await engineTestPageFiles(page);
  const server = http.createServer((req, res) => {
    const body =
      req.url === page.base
        ? { type: 'text/html', text: html }
        : req.url === `${page.base}app.js`
          ? { type: 'text/javascript', text: js }
          : null;
    res.shouldKeepAlive = false;
    if (!body) {
      res.writeHead(404, { connection: 'close' }).end();
      return;
    }
    res.writeHead(200, { 'content-type': body.type, 'cache-control': 'no-store', connection: 'close' });
    res.end(body.text);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    backend: { host: '127.0.0.1', port },
    prefix: page.base,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
