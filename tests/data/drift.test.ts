import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Database, openDatabase, type PrismaClient } from '../../apps/server/src/db/index.ts';
import { actualFacts } from './actual-schema.ts';
import { backendKinds, createTestBackend, type TestBackend } from './backends.ts';
import { expectedFacts, loadDatamodel } from './expected-schema.ts';
import { diffFacts } from './schema-facts.ts';

type Queryable = Pick<PrismaClient, '$queryRawUnsafe'>;
const reader =
  (client: Queryable) =>
  <T>(sql: string) =>
    client.$queryRawUnsafe<T[]>(sql);

describe('expected schema derived from schema.prisma', () => {
  test('uses the names and types prisma migrate gives', () => {
    const facts = expectedFacts(loadDatamodel());
    for (const fact of [
      'enum ParticipantRole (CLINICIAN, ADMIN, PATIENT, FAMILY, INTERPRETER, COLLEAGUE)',
      'column User.email text NOT NULL',
      'column Consultation.status "ConsultationStatus" NOT NULL DEFAULT \'SCHEDULED\'::"ConsultationStatus"',
      'column Recording.sizeBytes bigint',
      'column AuditEvent.details jsonb',
      'column AuditEvent.at timestamp(3) without time zone NOT NULL DEFAULT CURRENT_TIMESTAMP',
      'primary key User_pkey on User (id) using btree',
      'unique index Participant_consultationId_userId_key on Participant (consultationId, userId) using btree',
      'index Consultation_clinicianId_createdAt_idx on Consultation (clinicianId, createdAt) using btree',
      'foreign key Participant_userId_fkey on Participant (userId) references User (id) ON DELETE SET NULL ON UPDATE CASCADE',
      'foreign key Invite_createdById_fkey on Invite (createdById) references User (id) ON DELETE RESTRICT ON UPDATE CASCADE',
    ]) {
      assert.ok(facts.has(fact), `expected facts lack: ${fact}`);
    }
  });
});

for (const kind of backendKinds) {
  describe(`migrations match schema.prisma (${kind})`, () => {
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

    test('a freshly migrated database has exactly the schema Prisma expects', async () => {
      const diff = diffFacts(expectedFacts(loadDatamodel()), await actualFacts(reader(db.prisma)));
      assert.deepEqual(diff, { missingFromDatabase: [], notInPrismaSchema: [] });
    });

    test('drift in a column, an index, an enum or a foreign key is reported', async () => {
      const expected = expectedFacts(loadDatamodel());
      // DDL is transactional in PostgreSQL: make the changes, read the catalog, then roll it all back.
      const rollback = new Error('rollback');
      let diff: ReturnType<typeof diffFacts> | undefined;
      await assert.rejects(
        db.prisma.$transaction(
          async (tx) => {
            await tx.$executeRawUnsafe('ALTER TABLE "User" ALTER COLUMN "displayName" DROP NOT NULL');
            await tx.$executeRawUnsafe('DROP INDEX "Invite_tokenHash_key"');
            await tx.$executeRawUnsafe(`ALTER TYPE "Admission" ADD VALUE 'KICKED'`);
            await tx.$executeRawUnsafe('ALTER TABLE "Session" DROP CONSTRAINT "Session_userId_fkey"');
            await tx.$executeRawUnsafe(
              'ALTER TABLE "Session" ADD CONSTRAINT "Session_userId_fkey" FOREIGN KEY ("userId") ' +
                'REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE',
            );
            diff = diffFacts(expected, await actualFacts(reader(tx)));
            throw rollback;
          },
          { timeout: 30_000 },
        ),
        (err) => err === rollback,
      );
      assert.deepEqual(diff, {
        missingFromDatabase: [
          'column User.displayName text NOT NULL',
          'enum Admission (WAITING, ADMITTED, DENIED)',
          'foreign key Session_userId_fkey on Session (userId) references User (id) ON DELETE CASCADE ON UPDATE CASCADE',
          'unique index Invite_tokenHash_key on Invite (tokenHash) using btree',
        ],
        notInPrismaSchema: [
          'column User.displayName text',
          'enum Admission (WAITING, ADMITTED, DENIED, KICKED)',
          'foreign key Session_userId_fkey on Session (userId) references User (id) ON DELETE RESTRICT ON UPDATE CASCADE',
        ],
      });
      // The rollback left the database as the migrations made it.
      const after = diffFacts(expected, await actualFacts(reader(db.prisma)));
      assert.deepEqual(after, { missingFromDatabase: [], notInPrismaSchema: [] });
    });
  });
}
