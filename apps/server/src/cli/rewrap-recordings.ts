// `npm run rewrap-recordings`: after a new recording master key is made `current` (docs/recording.md, "Master
// keys and rotation"), re-wraps every stored recording's data key under it, so the old key can then be removed
// from the configuration. Only file headers change; recordings stay downloadable throughout. With the embedded
// database, stop the server first (PGlite allows one process); with PostgreSQL it runs beside the server.
import path from 'node:path';
import { loadConfig } from '../config/index.ts';
import { openDatabase } from '../db/index.ts';
import { Keyring } from '../recording/at-rest/index.ts';
import { rewrapRecordings } from '../recording/rewrap.ts';
import { runCli } from './run-cli.ts';

async function main(): Promise<number> {
  const config = loadConfig();
  const keyring = new Keyring(config.recording.masterKeys);
  const db = await openDatabase({
    url: config.database.url,
    dataDir: path.join(config.server.varDir, 'pglite'),
  });
  try {
    const out = await rewrapRecordings(db.prisma, keyring);
    process.stdout.write(
      `Recordings re-wrapped under master key "${keyring.currentId}": ${out.rewrapped}; already under it: ` +
        `${out.current}; rows without a file: ${out.missing}; failed: ${out.failed.length}\n`,
    );
    for (const f of out.failed) process.stdout.write(`  ${f.recordingId}: ${f.code} ${f.message}\n`);
    return out.failed.length > 0 ? 1 : 0;
  } finally {
    await db.close();
  }
}

runCli(main);
