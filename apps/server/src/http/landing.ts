import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../context.ts';

/** What a person opening the server's address sees: where each app is. */
export const landingRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  const page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Consulta</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem; line-height: 1.5">
<h1>Consulta</h1>
<p>The Consulta server is running at ${ctx.config.server.publicUrl}.</p>
<ul>
<li><a href="/clinician/">Clinician app</a>: sign in, start a consultation, invite, admit, call</li>
<li><a href="/admin/">Admin app</a>: consultations and the audit log</li>
<li>Patients join through the link in their invitation email (<code>/join#…</code>)</li>
<li><a href="/openapi.json">REST API (OpenAPI)</a> · <a href="/healthz">Health</a></li>
</ul>
</body></html>`;
  app.get('/', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/html; charset=utf-8').send(page),
  );
};
