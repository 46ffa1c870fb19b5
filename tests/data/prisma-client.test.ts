import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  type Database,
  isForeignKeyViolation,
  isUniqueViolation,
  openDatabase,
  Prisma,
  type PrismaClient,
} from '../../apps/server/src/db/index.ts';
import { backendKinds, createTestBackend, type TestBackend } from './backends.ts';

let counter = 0;
const unique = (label: string) => `${label}-${Date.now()}-${++counter}`;

function createUser(prisma: PrismaClient, role: 'CLINICIAN' | 'ADMIN' = 'CLINICIAN') {
  return prisma.user.create({
    data: { email: `${unique('user')}@example.test`, displayName: 'Dr Test', role, passwordHash: 'x' },
  });
}

for (const kind of backendKinds) {
  describe(`Prisma client on the migrated schema (${kind})`, () => {
    let backend: TestBackend;
    let db: Database;

    before(async () => {
      backend = await createTestBackend(kind);
      db = await openDatabase(backend.options);
    });
    after(async () => {
      await db?.close();
      await backend?.dispose();
    });

    test('reports which kind of database it opened', () => {
      assert.equal(db.kind, kind);
    });

    test('creates and reads records with relations, database defaults, BigInt and JSON', async () => {
      const { prisma } = db;
      const clinician = await createUser(prisma);
      const consultation = await prisma.consultation.create({
        data: {
          title: 'Follow-up',
          clinicianId: clinician.id,
          invites: {
            create: {
              email: 'patient@example.test',
              displayName: 'Pat',
              role: 'PATIENT',
              tokenHash: unique('token'),
              expiresAt: new Date(Date.now() + 3_600_000),
              createdById: clinician.id,
            },
          },
          participants: { create: { displayName: 'Dr Test', role: 'CLINICIAN', userId: clinician.id } },
        },
      });
      // Defaults that live in the database (enum and timestamp), not in the client.
      assert.equal(consultation.status, 'SCHEDULED');
      assert.ok(consultation.createdAt instanceof Date);

      const recording = await prisma.recording.create({
        data: { consultationId: consultation.id, requestedById: clinician.id, sizeBytes: 5_000_000_000n },
      });
      await prisma.auditEvent.create({
        data: {
          action: 'test.created',
          actorType: 'user',
          actorId: clinician.id,
          details: { nested: [1, 'two'] },
        },
      });

      const read = await prisma.consultation.findUniqueOrThrow({
        where: { id: consultation.id },
        include: {
          clinician: true,
          invites: true,
          participants: { include: { user: true } },
          recordings: true,
        },
      });
      assert.equal(read.clinician.email, clinician.email);
      assert.equal(read.invites.length, 1);
      assert.equal(read.invites[0]!.role, 'PATIENT');
      assert.equal(read.participants[0]!.user?.id, clinician.id);
      assert.equal(read.participants[0]!.admission, 'WAITING');
      assert.equal(read.recordings[0]!.id, recording.id);
      assert.equal(read.recordings[0]!.status, 'AWAITING_CONSENT');
      assert.equal(read.recordings[0]!.sizeBytes, 5_000_000_000n);

      const event = await prisma.auditEvent.findFirstOrThrow({ where: { actorId: clinician.id } });
      assert.deepEqual(event.details, { nested: [1, 'two'] });
      assert.equal(event.outcome, 'ok');
    });

    test('an interactive $transaction that throws leaves nothing behind', async () => {
      const email = `${unique('rolled-back')}@example.test`;
      const boom = new Error('boom');
      await assert.rejects(
        db.prisma.$transaction(async (tx) => {
          await tx.user.create({ data: { email, displayName: 'X', role: 'ADMIN', passwordHash: 'x' } });
          assert.equal(await tx.user.count({ where: { email } }), 1);
          throw boom;
        }),
        (err) => err === boom,
      );
      assert.equal(await db.prisma.user.count({ where: { email } }), 0);
    });

    test('a batch $transaction with a failing write undoes the writes before it', async () => {
      const existing = await createUser(db.prisma);
      const fresh = `${unique('batch')}@example.test`;
      await assert.rejects(
        db.prisma.$transaction([
          db.prisma.user.create({
            data: { email: fresh, displayName: 'A', role: 'ADMIN', passwordHash: 'x' },
          }),
          db.prisma.user.create({
            data: { email: existing.email, displayName: 'B', role: 'ADMIN', passwordHash: 'x' },
          }),
        ]),
        isUniqueViolation,
      );
      assert.equal(await db.prisma.user.count({ where: { email: fresh } }), 0);
    });

    test('isUniqueViolation recognises unique violations (single, compound, raw SQL) and nothing else', async () => {
      const user = await createUser(db.prisma);
      const dupEmail = await db.prisma.user
        .create({ data: { email: user.email, displayName: 'Dup', role: 'ADMIN', passwordHash: 'x' } })
        .catch((e: unknown) => e);
      assert.ok(dupEmail instanceof Prisma.PrismaClientKnownRequestError);
      assert.equal(dupEmail.code, 'P2002');
      assert.equal(isUniqueViolation(dupEmail), true);

      const consultation = await db.prisma.consultation.create({
        data: { title: 'C', clinicianId: user.id },
      });
      const participant = {
        consultationId: consultation.id,
        userId: user.id,
        displayName: 'D',
        role: 'CLINICIAN',
      };
      await db.prisma.participant.create({ data: { ...participant, role: 'CLINICIAN' } });
      const dupParticipant = await db.prisma.participant
        .create({ data: { ...participant, role: 'CLINICIAN' } })
        .catch((e: unknown) => e);
      assert.equal(isUniqueViolation(dupParticipant), true);

      // A foreign key violation is a different failure and must not read as "already exists".
      const badReference = await db.prisma.consultation
        .create({ data: { title: 'C', clinicianId: 'no-such-user' } })
        .catch((e: unknown) => e);
      assert.ok(badReference instanceof Prisma.PrismaClientKnownRequestError);
      assert.equal(isUniqueViolation(badReference), false);
      assert.equal(isForeignKeyViolation(badReference), true);
      assert.equal(isForeignKeyViolation(dupEmail), false);

      // Raw SQL surfaces the same PostgreSQL error under another Prisma code (P2010).
      const rawDup = await db.prisma.$executeRaw`
        INSERT INTO "User" ("id", "email", "displayName", "role", "passwordHash")
        VALUES (${unique('id')}, ${user.email}, 'Raw', 'ADMIN', 'x')`.catch((e: unknown) => e);
      assert.equal(isUniqueViolation(rawDup), true);
      assert.equal(isUniqueViolation(new Error('P2002')), false);
      assert.equal(isUniqueViolation({ code: 'P2002' }), false);
    });

    test('foreign keys act as the schema says: cascade, set null, restrict', async () => {
      const { prisma } = db;
      const clinician = await createUser(prisma);
      const guestUser = await createUser(prisma, 'ADMIN');
      const consultation = await prisma.consultation.create({
        data: {
          title: 'FK',
          clinicianId: clinician.id,
          participants: { create: [{ displayName: 'G', role: 'COLLEAGUE', userId: guestUser.id }] },
        },
        include: { participants: true },
      });
      const participantId = consultation.participants[0]!.id;

      await prisma.user.delete({ where: { id: guestUser.id } });
      const orphan = await prisma.participant.findUniqueOrThrow({ where: { id: participantId } });
      assert.equal(orphan.userId, null, 'Participant.user is optional: deleting the user sets it to null');

      // Prisma reports this as P2003 on PostgreSQL 15 but P2039 on PGlite (PostgreSQL 18): see errors.ts.
      const restricted = await prisma.user.delete({ where: { id: clinician.id } }).catch((e: unknown) => e);
      assert.equal(
        isForeignKeyViolation(restricted),
        true,
        'a clinician with consultations cannot be deleted',
      );
      assert.equal(isUniqueViolation(restricted), false);

      await prisma.consultation.delete({ where: { id: consultation.id } });
      assert.equal(await prisma.participant.count({ where: { id: participantId } }), 0);
    });
  });
}
