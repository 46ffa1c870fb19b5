// Retention against the real databases and real files: the scheduled job deletes a finished recording past its
// period (file and row, with a chained audit event), keeps one on legal hold and one not yet due; the admin
// routes show when each will be deleted and set the hold (audited).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import type { AuditVerification, Consultation, RecordingRetention, RetentionList } from '@consulta/protocol';
import { backendKinds } from '../data/backends.ts';
import { createTestDatabase } from '../support/postgres.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const DAY = 86_400_000;

for (const kind of backendKinds) {
  describe(`retention on ${kind}`, () => {
    let server: TestServer | undefined;
    let drop: (() => Promise<void>) | undefined;
    after(async () => {
      await server?.close();
      await drop?.();
    });

    test('due recordings go (file, row, audit), held and recent ones stay', async () => {
      const pg = kind === 'postgres' ? await createTestDatabase() : null;
      drop = pg?.drop;
      server = await startTestServer({
        ...(pg ? { databaseUrl: pg.url } : {}),
        // A sweep every 200 ms, so the test waits on the job itself rather than calling it.
        overrides: { retention: { recordingDays: 30, sweepIntervalSeconds: 0.2 } },
      });
      const s = server;
      const admin = await s.signedIn('ADMIN');
      const clinician = await s.signedIn('CLINICIAN');
      const consult = (
        await clinician.post<Consultation>('/api/consultations', { title: 'Kept for a while' })
      ).body;
      const dir = path.join(s.config.server.varDir, 'recordings');
      await mkdir(dir, { recursive: true });
      const user = await s.db.prisma.user.findFirstOrThrow({ where: { role: 'ADMIN' } });
      const make = async (name: string, stoppedDaysAgo: number, legalHold = false) => {
        const filePath = path.join(dir, `${name}.webm`);
        await writeFile(filePath, `not really video: ${name}`);
        return s.db.prisma.recording.create({
          data: {
            consultationId: consult.id,
            requestedById: user.id,
            status: 'COMPLETE',
            filePath,
            sizeBytes: 20n,
            sha256: 'a'.repeat(64),
            startedAt: new Date(Date.now() - stoppedDaysAgo * DAY - 60_000),
            stoppedAt: new Date(Date.now() - stoppedDaysAgo * DAY),
            legalHold,
          },
        });
      };
      // Created held, then the hold is set through the route for the second: both must survive.
      const due = await make('due', 31);
      const heldFromStart = await make('held', 40, true);
      const recent = await make('recent', 2);
      // Held through the route while not yet due, then aged past its period: the hold alone keeps it.
      const toHold = await make('to-hold', 1);
      const held = await admin.request<RecordingRetention>('PUT', `/api/recordings/${toHold.id}/legal-hold`, {
        hold: true,
      });
      assert.equal(held.status, 200);
      assert.equal(held.body.legalHold, true);
      assert.equal(held.body.deleteAfter, null);
      await s.db.prisma.recording.update({
        where: { id: toHold.id },
        data: { stoppedAt: new Date(Date.now() - 45 * DAY) },
      });

      const deadline = Date.now() + 10_000;
      while (await s.db.prisma.recording.findUnique({ where: { id: due.id } })) {
        if (Date.now() > deadline) assert.fail('the retention job did not delete the due recording');
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(existsSync(due.filePath!), false, 'the due file is gone');
      for (const r of [heldFromStart, recent, toHold]) {
        assert.ok(await s.db.prisma.recording.findUnique({ where: { id: r.id } }), `${r.id} stays`);
        assert.ok(existsSync(r.filePath!));
      }

      const list = (await admin.get<RetentionList>('/api/retention/recordings')).body;
      assert.equal(list.recordingDays, 30);
      const recentView = list.recordings.find((r) => r.recordingId === recent.id);
      assert.equal(recentView?.deleteAfter, new Date(recent.stoppedAt!.getTime() + 30 * DAY).toISOString());
      assert.equal(list.recordings.find((r) => r.recordingId === heldFromStart.id)?.deleteAfter, null);
      assert.equal(
        list.recordings.some((r) => r.recordingId === due.id),
        false,
      );
      assert.equal((await clinician.get('/api/retention/recordings')).status, 403);

      // Lifting the hold makes it due again: the job deletes it on its next pass.
      const lifted = await admin.request<RecordingRetention>(
        'PUT',
        `/api/recordings/${heldFromStart.id}/legal-hold`,
        {
          hold: false,
        },
      );
      assert.equal(lifted.status, 200);
      while (await s.db.prisma.recording.findUnique({ where: { id: heldFromStart.id } })) {
        if (Date.now() > deadline + 10_000) assert.fail('the lifted recording was not deleted');
        await new Promise((r) => setTimeout(r, 100));
      }

      // That pass began after toHold was aged past its period: the hold kept it.
      assert.ok(
        await s.db.prisma.recording.findUnique({ where: { id: toHold.id } }),
        'the held recording stays',
      );
      assert.ok(existsSync(toHold.filePath!), 'the held file stays');

      const events = await s.db.prisma.auditEvent.findMany({
        where: { consultationId: consult.id, action: { in: ['recording.delete', 'recording.hold'] } },
        orderBy: { seq: 'asc' },
      });
      const deletions = events.filter((e) => e.action === 'recording.delete');
      assert.ok(
        deletions.some(
          (e) => e.targetId === due.id && (e.details as { reason: string }).reason === 'retention',
        ),
      );
      assert.ok(deletions.some((e) => e.targetId === heldFromStart.id));
      assert.equal(
        deletions.every((e) => e.actorType === 'system'),
        true,
      );
      assert.ok(events.some((e) => e.action === 'recording.hold' && e.targetId === heldFromStart.id));
      const verified = (await admin.get<AuditVerification>('/api/audit/verify')).body;
      assert.equal(verified.ok, true, JSON.stringify(verified.firstBroken));
    });
  });
}
