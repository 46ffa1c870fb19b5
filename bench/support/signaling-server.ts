// Child process for bench/signaling.bench.ts: a real server on loopback with `rooms` consultations, each with a
// clinician, plus one admin who may join them all. Prints one JSON line with the URL and signed session cookies.

import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buildApp, loadConfig, openDatabase } from '@consulta/server';

const rooms = Number(process.argv[2] ?? 100);
const port = Number(process.argv[3]);
const varDir = await mkdtemp(path.join(os.tmpdir(), 'consulta-bench-'));
const config = loadConfig({
  server: { host: '127.0.0.1', port, varDir, logLevel: 'error', publicUrl: `http://127.0.0.1:${port}` },
  database: { url: null },
  // The benchmark measures relay capacity, not the per-connection flood guard.
  signaling: { rateLimit: { perSecond: 1_000_000, burst: 1_000_000 } },
});
const db = await openDatabase({ url: null, dataDir: path.join(varDir, 'pglite') });
const app = await buildApp({ config, prisma: db.prisma });

// Sessions are inserted directly: hashing 101 passwords would measure scrypt, not signaling.
const expiresAt = new Date(Date.now() + 3_600_000);
async function sessionFor(userId: string): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await db.prisma.session.create({
    data: { userId, expiresAt, tokenHash: createHash('sha256').update(token).digest('hex') },
  });
  return `consulta_session=${app.signCookie(token)}`;
}
const admin = await db.prisma.user.create({
  data: { email: 'admin@bench.test', displayName: 'Admin', role: 'ADMIN', passwordHash: 'x' },
});
const adminCookie = await sessionFor(admin.id);
const pairs: Array<{ consultationId: string; clinicianCookie: string; adminCookie: string }> = [];
for (let i = 0; i < rooms; i++) {
  const u = await db.prisma.user.create({
    data: { email: `c${i}@bench.test`, displayName: `Clinician ${i}`, role: 'CLINICIAN', passwordHash: 'x' },
  });
  const c = await db.prisma.consultation.create({ data: { title: `Bench ${i}`, clinicianId: u.id } });
  pairs.push({ consultationId: c.id, clinicianCookie: await sessionFor(u.id), adminCookie });
}
await app.listen({ host: '127.0.0.1', port });
process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}`, pairs })}\n`);
process.on('SIGTERM', () => {
  void app
    .close()
    .then(() => db.close())
    .then(() => process.exit(0));
});
