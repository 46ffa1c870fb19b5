// Serves the built web apps (apps/web/dist, a Vite multi-page build): the clinician app at /clinician/, the
// patient app at /join (the invite email links to /join#<token>), the admin app at /admin/, and the shared
// hashed bundles under /assets/. Without a build the server still runs and these routes answer 503.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';

export const DEFAULT_WEB_DIST = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../web/dist',
);

export interface WebAppsOptions {
  /** The Vite build output; default apps/web/dist. */
  distDir?: string;
}

const PAGES = [
  { app: 'clinician', paths: ['/clinician/'], redirect: '/clinician' },
  { app: 'join', paths: ['/join', '/join/'], redirect: null },
  { app: 'admin', paths: ['/admin/'], redirect: '/admin' },
] as const;

const NOT_BUILT = 'web apps not built: run npm start';

export const webApps: FastifyPluginAsync<WebAppsOptions> = async (app, options) => {
  const distDir = options.distDir ?? DEFAULT_WEB_DIST;
  const notBuilt = (reply: FastifyReply) =>
    reply
      .status(503)
      .header('cache-control', 'no-store')
      .type('text/plain; charset=utf-8')
      .send(`${NOT_BUILT} (no build in ${distDir})\n`);

  const builtAtStart = existsSync(path.join(distDir, 'join', 'index.html'));
  if (builtAtStart) {
    await app.register(fastifyStatic, {
      root: distDir,
      serve: false, // only the routes below: no directory listings, no source maps outside /assets/
    });
  } else {
    // Once, at start; the pages then answer 503 until the server is restarted after a build.
    app.log.warn({ distDir }, NOT_BUILT);
  }

  // Hashed, immutable bundles shared by the three apps.
  app.get<{ Params: { '*': string } }>('/assets/*', { schema: { hide: true } }, async (request, reply) => {
    if (!builtAtStart) return notBuilt(reply);
    const file = request.params['*'];
    if (!/^[A-Za-z0-9._-]+$/.test(file)) return reply.callNotFound();
    return reply.sendFile(path.join('assets', file), { immutable: true, maxAge: '365d' });
  });

  for (const page of PAGES) {
    for (const url of page.paths) {
      app.get(url, { schema: { hide: true } }, async (_request, reply) => {
        if (!builtAtStart) return notBuilt(reply);
        // The HTML names the current bundles: always revalidate it. The patient page holds the invite token
        // in its fragment; no referrer leaves it (meta referrer in the page, and this header).
        return reply
          .header('cache-control', 'no-cache')
          .header('referrer-policy', 'no-referrer')
          .header('x-frame-options', 'DENY')
          .sendFile(path.join(page.app, 'index.html'), { cacheControl: false });
      });
    }
    if (page.redirect) {
      const target = page.paths[0];
      app.get(page.redirect, { schema: { hide: true } }, async (_request, reply) =>
        reply.redirect(target, 301),
      );
    }
  }
};
