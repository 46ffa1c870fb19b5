// The audit chain verifier as a command: `pnpm --filter @consulta/server verify-audit`. Reads the same
// configuration as the server (infra/config, DATABASE_URL), prints the report as JSON and exits 0 when every
// chain verifies, 2 when one does not, 1 when it could not check. With PGlite (the default) stop the server
// first: one process at a time may open var/pglite.
import path from 'node:path';
import { loadConfig } from '../config/index.ts';
import { openDatabase } from '../db/index.ts';
import { verifyAuditChains } from './verify.ts';

async function main(): Promise<number> {
  const config = loadConfig();
  const db = await openDatabase({
    url: config.database.url,
    dataDir: path.join(config.server.varDir, 'pglite'),
  });
  try {
    const report = await verifyAuditChains(db.prisma);
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    if (report.firstBroken) {
      const b = report.firstBroken;
      process.stderr.write(
        `audit chain broken: ${b.chainKey} at position ${b.seq} (${b.reason}${b.eventId ? `, event ${b.eventId}` : ''})\n`,
      );
      return 2;
    }
    process.stderr.write(`audit chains verify: ${report.chains} chains, ${report.events} events\n`);
    return 0;
  } finally {
    await db.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`verify-audit: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
