// Retention of ended consultations' personal data against the real databases: the scheduled job erases the title
// and the guests' names and emails of a consultation that ended longer ago than retention.personalDataDays (with a
// chained audit event, the chain still verifying), and leaves alone one that ended recently, one still running and
// one whose recording is on legal hold. What the visit record keeps by id (participants, roles, times, audit
// events) stays; staff keep their names; nothing an erased consultation's events hold names the guest by email.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { type AuditVerification, ERASED_TEXT, erasedEmail, type VisitExport } from '@consulta/protocol';
import { backendKinds } from '../data/backends.ts';
import { joinedCall } from '../support/consultation.ts';
import { createTestDatabase } from '../support/postgres.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { startSmtpCapture } from '../support/smtp.ts';

const DAY = 86_400_000;

for (const kind of backendKinds) {
  describe(`personal data retention on ${kind}`, () => {
    let server: TestServer | undefined;
    let smtp: Awaited<ReturnType<typeof startSmtpCapture>> | undefined;
    let drop: (() => Promise<void>) | undefined;
    after(async () => {
      await server?.close();
      await smtp?.close();
      await drop?.();
    });

    test('due consultations are erased (audited), recent, running and held ones are not', async () => {
      const pg = kind === 'postgres' ? await createTestDatabase() : null;
      drop = pg?.drop;
      smtp = await startSmtpCapture();
      server = await startTestServer({
        ...(pg ? { databaseUrl: pg.url } : {}),
        // Sweeps every 200 ms: the test waits on the job itself. Recordings are kept far longer than the
        // consultations here, so the held one is still there when its consultation becomes due.
        overrides: {
          email: { smtpUrl: smtp.url },
          retention: { recordingDays: 10_000, personalDataDays: 90, sweepIntervalSeconds: 0.2 },
        },
      });
      const s = server;
      const prisma = s.db.prisma;
      const visit = async (title: string, end: boolean) => {
        const call = await joinedCall(s, smtp!, 1, { title: `${title}: Jane Roe's follow-up` });
        for (const p of call.people) await p.ws.close();
        if (end) {
          assert.equal((await call.clinician.post(`/api/consultations/${call.consult.id}/end`)).status, 200);
        }
        return call;
      };
      const endedDaysAgo = (call: { consult: { id: string } }, days: number) =>
        prisma.consultation.update({
          where: { id: call.consult.id },
          data: { endedAt: new Date(Date.now() - days * DAY) },
        });
      const due = await visit('Due', true);
      const recent = await visit('Recent', true);
      const running = await visit('Running', false);
      const held = await visit('Held', true);
      const admin = await s.signedIn('ADMIN');
      const adminUser = await prisma.user.findFirstOrThrow({ where: { role: 'ADMIN' } });
      const recording = await prisma.recording.create({
        data: {
          consultationId: held.consult.id,
          requestedById: adminUser.id,
          status: 'COMPLETE',
          stoppedAt: new Date(),
        },
      });
      const hold = await admin.request('PUT', `/api/recordings/${recording.id}/legal-hold`, { hold: true });
      assert.equal(hold.status, 200);
      // Aged in this order: the pass that erases the due one began after the others were aged, so it saw them.
      await endedDaysAgo(recent, 30);
      await endedDaysAgo(held, 200);
      await endedDaysAgo(due, 91);

      const deadline = Date.now() + 15_000;
      for (;;) {
        const c = await prisma.consultation.findUniqueOrThrow({ where: { id: due.consult.id } });
        if (c.personalDataErasedAt) break;
        if (Date.now() > deadline) assert.fail('the retention job did not erase the due consultation');
        await new Promise((r) => setTimeout(r, 100));
      }

      // The due one: title, invite and guest names and emails erased; the record by id stays.
      const erased = await admin.get<VisitExport>(`/api/consultations/${due.consult.id}/export`);
      assert.equal(erased.status, 200, JSON.stringify(erased.body));
      const x = erased.body;
      assert.equal(x.consultation.title, ERASED_TEXT);
      assert.ok(x.consultation.personalDataErasedAt, 'the export says when');
      assert.equal(x.invites.length, 1);
      assert.equal(x.invites[0]!.email, erasedEmail(x.invites[0]!.id));
      assert.equal(x.invites[0]!.displayName, ERASED_TEXT);
      const staff = x.participants.find((p) => p.role === 'CLINICIAN');
      const guest = x.participants.find((p) => p.role === 'FAMILY');
      assert.equal(guest?.displayName, ERASED_TEXT);
      assert.ok(guest?.joinedAt, 'when the guest attended stays');
      assert.notEqual(staff?.displayName, ERASED_TEXT, 'staff keep their names');
      const document = JSON.stringify(x);
      assert.ok(!document.includes('Jane Roe'), 'the title is gone everywhere');
      assert.ok(!document.includes('Guest 0'), 'the guest name is gone everywhere');
      assert.ok(!document.includes('@example.test'), 'no guest email anywhere, audit events included');
      const event = x.auditEvents.find((e) => e.action === 'consultation.erase_personal_data');
      assert.ok(event, 'the erasure is audited');
      assert.equal(event.actorType, 'system');
      const details = event.details as { invites: number; guests: number; reason: string };
      assert.deepEqual([details.invites, details.guests, details.reason], [1, 1, 'retention']);
      assert.ok(
        x.auditEvents.some((e) => e.action === 'invite.send'),
        'the invite is still on record',
      );

      // The others keep everything.
      for (const [call, why] of [
        [recent, 'ended 30 days ago'],
        [running, 'still running'],
        [held, 'a recording on legal hold'],
      ] as const) {
        const c = await prisma.consultation.findUniqueOrThrow({
          where: { id: call.consult.id },
          include: { invites: true, participants: true },
        });
        assert.equal(c.personalDataErasedAt, null, why);
        assert.match(c.title, /Jane Roe/, why);
        assert.match(c.invites[0]!.email, /@example\.test$/, why);
        assert.ok(
          c.participants.some((p) => p.displayName === 'Guest 0'),
          why,
        );
      }

      // Lifting the hold makes the held consultation due: the next pass erases it.
      assert.equal(
        (await admin.request('PUT', `/api/recordings/${recording.id}/legal-hold`, { hold: false })).status,
        200,
      );
      for (;;) {
        const c = await prisma.consultation.findUniqueOrThrow({ where: { id: held.consult.id } });
        if (c.personalDataErasedAt) break;
        if (Date.now() > deadline + 15_000)
          assert.fail('the consultation was not erased once the hold was lifted');
        await new Promise((r) => setTimeout(r, 100));
      }

      const verified = (await admin.get<AuditVerification>('/api/audit/verify')).body;
      assert.equal(verified.ok, true, JSON.stringify(verified.firstBroken));
    });
  });
}
