// The listener: load config, open the database (migrating it), seed a fresh install, serve, shut down cleanly.
import path from 'node:path';
import { buildApp } from './app.ts';
import { ConfigError, loadConfig } from './config/index.ts';
import { DatabaseLockedError, openDatabase } from './db/index.ts';
import { seedStaffIfEmpty } from './seed.ts';
import { type EmbeddedCoturn, startEmbeddedCoturn } from './turn/index.ts';

async function main(): Promise<void> {
  const config = loadConfig();
  const db = await openDatabase({
    url: config.database.url,
    dataDir: path.join(config.server.varDir, 'pglite'),
    log: (msg) => process.stdout.write(`${msg}\n`),
  });
  const created = await seedStaffIfEmpty(db.prisma, config.auth.seed);
  const app = await buildApp({ config, prisma: db.prisma });
  // npm start's TURN server (turn.embedded); off in production, where coturn is its own service.
  let coturn: EmbeddedCoturn | null = null;
  if (config.turn.embedded.enabled) coturn = await startEmbeddedCoturn(config, app.log);

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000).unref();
    try {
      await app.close();
      await coturn?.stop();
      await db.close();
      clearTimeout(force);
      process.exit(0);
    } catch (err) {
      app.log.error({ err }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));

  await app.listen({ host: config.server.host, port: config.server.port });
  app.log.info({ database: db.kind, url: config.server.publicUrl }, 'Consulta is up');
  if (created.length > 0) {
    // Printed once, on the install that created them; they are not stored anywhere in clear.
    const lines = created.map((a) => `  ${a.role.padEnd(9)} ${a.email}  password: ${a.password}`);
    process.stdout.write(
      `\nFirst start: staff accounts created (shown only this once):\n${lines.join('\n')}\n\n`,
    );
  }
  const url = config.server.publicUrl;
  process.stdout.write(
    `Consulta is running at ${url}\n  clinicians: ${url}/clinician/\n  admins:     ${url}/admin/\n` +
      `  patients:   the link in their invitation email (${url}/join#...)\n  API docs:   ${url}/openapi.json\n`,
  );
}

main().catch((err) => {
  if (err instanceof ConfigError || err instanceof DatabaseLockedError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(78);
  }
  if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    process.stderr.write(`Port in use: ${(err as Error).message}. Stop the other server or set PORT.\n`);
    process.exit(78);
  }
  process.stderr.write(
    `Consulta failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
