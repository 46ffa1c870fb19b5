// The tamper-evident audit trail on both databases: concurrent writers cannot fork a chain, and an edited,
// deleted or truncated row is reported by the verifier (function, command and admin route) at the right link.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { promisify } from 'node:util';
import type { AuditVerification } from '@consulta/protocol';
import { recordAudit } from '../../apps/server/src/audit/record.ts';
import { verifyAuditChains } from '../../apps/server/src/audit/verify.ts';
import { type Database, openDatabase } from '../../apps/server/src/db/index.ts';
import { backendKinds, createTestBackend } from '../data/backends.ts';
import { createTestDatabase } from '../support/postgres.ts';
import { startTestServer } from '../support/server.ts';

const repo = path.resolve(import.meta.dirname, '../..');

async function writeMany(db: Database, consultationId: string, n: number): Promise<void> {
  // All at once: each append must wait for the chain's head lock, so positions stay 1..n without a fork.
  await Promise.all(
    Array.from({ length: n }, (_, i) =>
      recordAudit(db.prisma, {
        action: 'room.join',
        actor: { kind: 'system' },
        consultationId,
        details: { i, nested: { b: 2, a: [1, 'x', null] } },
      }),
    ),
  );
}

for (const kind of backendKinds) {
  describe(`audit chain on ${kind}`, () => {
    const disposers: (() => Promise<void>)[] = [];
    after(async () => {
      for (const d of disposers.reverse()) await d();
    });

    test('concurrent writers build one unforked chain; edits, deletions and truncation are detected', async () => {
      const backend = await createTestBackend(kind);
      const db = await openDatabase(backend.options);
      disposers.push(backend.dispose, () => db.close());
      const consultationId = randomUUID();
      await writeMany(db, consultationId, 40);
      await recordAudit(db.prisma, { action: 'auth.sign_in', actor: { kind: 'anonymous' } });
      const rows = await db.prisma.auditEvent.findMany({
        where: { consultationId },
        orderBy: { seq: 'asc' },
      });
      assert.deepEqual(
        rows.map((r) => r.seq),
        Array.from({ length: 40 }, (_, i) => i + 1),
      );
      assert.equal(
        new Set(rows.map((r) => r.prevHash)).size,
        40,
        'every event links to a different predecessor',
      );
      const clean = await verifyAuditChains(db.prisma);
      assert.equal(clean.ok, true, JSON.stringify(clean.firstBroken));
      assert.equal(clean.chains, 2);
      assert.equal(clean.events, 41);

      // Someone edits one row's outcome directly in the database.
      const chainKey = `consultation:${consultationId}`;
      const sql = (q: string) => db.prisma.$executeRawUnsafe(q);
      await sql(
        `UPDATE "AuditEvent" SET "outcome" = 'denied' WHERE "chainKey" = '${chainKey}' AND "seq" = 17`,
      );
      const edited = await verifyAuditChains(db.prisma);
      assert.equal(edited.ok, false);
      assert.deepEqual(
        { seq: edited.firstBroken?.seq, reason: edited.firstBroken?.reason, id: edited.firstBroken?.eventId },
        { seq: 17, reason: 'hash-mismatch', id: rows[16]?.id },
      );
      // Editing JSON details counts too, and the earlier break is still the one reported first.
      await sql(
        `UPDATE "AuditEvent" SET "details" = '{"i": 99}' WHERE "chainKey" = '${chainKey}' AND "seq" = 30`,
      );
      assert.equal((await verifyAuditChains(db.prisma)).firstBroken?.seq, 17);
      // Restoring row 17 moves the report to the next break; a forged hash breaks its own link.
      await sql(`UPDATE "AuditEvent" SET "outcome" = 'ok' WHERE "chainKey" = '${chainKey}' AND "seq" = 17`);
      assert.deepEqual(pick((await verifyAuditChains(db.prisma)).firstBroken), {
        seq: 30,
        reason: 'hash-mismatch',
      });
      await sql(
        `UPDATE "AuditEvent" SET "hash" = '${'f'.repeat(64)}' WHERE "chainKey" = '${chainKey}' AND "seq" = 5`,
      );
      assert.deepEqual(pick((await verifyAuditChains(db.prisma)).firstBroken), {
        seq: 5,
        reason: 'hash-mismatch',
      });
      await sql(
        `UPDATE "AuditEvent" SET "hash" = '${rows[4]?.hash}' WHERE "chainKey" = '${chainKey}' AND "seq" = 5`,
      );
      await sql(
        `UPDATE "AuditEvent" SET "details" = '${JSON.stringify(rows[29]?.details)}' WHERE "chainKey" = '${chainKey}' AND "seq" = 30`,
      );
      assert.equal(
        (await verifyAuditChains(db.prisma)).ok,
        true,
        'restoring the original values verifies again',
      );

      // A deleted event leaves a gap; a deleted tail disagrees with the chain's head.
      await sql(`DELETE FROM "AuditEvent" WHERE "chainKey" = '${chainKey}' AND "seq" = 40`);
      assert.deepEqual(pick((await verifyAuditChains(db.prisma)).firstBroken), {
        seq: 40,
        reason: 'head-mismatch',
      });
      await sql(`DELETE FROM "AuditEvent" WHERE "chainKey" = '${chainKey}' AND "seq" = 12`);
      assert.deepEqual(pick((await verifyAuditChains(db.prisma)).firstBroken), {
        seq: 12,
        reason: 'seq-gap',
      });
    });

    test('the admin route reports the first broken link, and verifying is audited', async () => {
      const pg = kind === 'postgres' ? await createTestDatabase() : null;
      const server = await startTestServer(pg ? { databaseUrl: pg.url } : {});
      disposers.push(async () => {
        await server.close();
        await pg?.drop();
      });
      const admin = await server.signedIn('ADMIN');
      const clinician = await server.signedIn('CLINICIAN');
      const consult = (await clinician.post<{ id: string }>('/api/consultations', { title: 'Chain' })).body;
      const first = await admin.get<AuditVerification>('/api/audit/verify');
      assert.equal(first.status, 200);
      assert.equal(first.body.ok, true, JSON.stringify(first.body.firstBroken));
      assert.equal((await clinician.get('/api/audit/verify')).status, 403);
      const created = await server.db.prisma.auditEvent.findFirstOrThrow({
        where: { consultationId: consult.id, action: 'consultation.create' },
      });
      await server.db.prisma.$executeRawUnsafe(
        `UPDATE "AuditEvent" SET "actorId" = 'someone-else' WHERE "id" = '${created.id}'`,
      );
      const second = await admin.get<AuditVerification>('/api/audit/verify');
      assert.equal(second.body.ok, false);
      assert.deepEqual(
        {
          key: second.body.firstBroken?.chainKey,
          seq: second.body.firstBroken?.seq,
          id: second.body.firstBroken?.eventId,
        },
        { key: `consultation:${consult.id}`, seq: created.seq, id: created.id },
      );
      const audits = await server.db.prisma.auditEvent.findMany({
        where: { action: 'audit.verify' },
        orderBy: { at: 'asc' },
      });
      assert.deepEqual(
        audits.map((a) => a.outcome),
        ['ok', 'failed'],
      );
    });

    test('the verify-audit command exits 2 and names the broken link', async () => {
      // PostgreSQL through DATABASE_URL; PGlite through server.varDir (NODE_CONFIG), opened by the command
      // while nobody else holds it, as the docs say (stop the server first).
      const pg = kind === 'postgres' ? await createTestDatabase() : null;
      const varDir = kind === 'pglite' ? await mkdtemp(path.join(tmpdir(), 'consulta-verify-')) : null;
      const options = pg
        ? { url: pg.url, dataDir: '/nonexistent/consulta-pglite' }
        : { url: null, dataDir: path.join(varDir!, 'pglite') };
      disposers.push(async () => {
        await pg?.drop();
        if (varDir) await rm(varDir, { recursive: true, force: true });
      });
      const consultationId = randomUUID();
      const withDb = async (work: (db: Database) => Promise<void>) => {
        const db = await openDatabase(options);
        try {
          await work(db);
        } finally {
          await db.close();
        }
      };
      await withDb((db) => writeMany(db, consultationId, 5));
      const env = {
        ...process.env,
        NODE_ENV: 'test',
        ...(pg ? { DATABASE_URL: pg.url } : { NODE_CONFIG: JSON.stringify({ server: { varDir } }) }),
      };
      const run = () =>
        promisify(execFile)('pnpm', ['--filter', '@consulta/server', '--silent', 'verify-audit'], {
          cwd: repo,
          env,
        }).then(
          (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
          (e: { code: number; stdout: string; stderr: string }) => ({
            code: e.code,
            stdout: e.stdout,
            stderr: e.stderr,
          }),
        );
      const ok = await run();
      assert.equal(ok.code, 0, ok.stderr);
      assert.equal((JSON.parse(ok.stdout) as AuditVerification).events, 5);
      await withDb(async (db) => {
        await db.prisma.$executeRawUnsafe(
          `UPDATE "AuditEvent" SET "ip" = '10.0.0.1' WHERE "chainKey" = 'consultation:${consultationId}' AND "seq" = 3`,
        );
      });
      const bad = await run();
      assert.equal(bad.code, 2, bad.stderr);
      assert.match(bad.stderr, new RegExp(`consultation:${consultationId} at position 3 \\(hash-mismatch`));
      assert.equal((JSON.parse(bad.stdout) as AuditVerification).firstBroken?.seq, 3);
    });
  });
}

function pick(b: AuditVerification['firstBroken']) {
  return { seq: b?.seq, reason: b?.reason };
}
