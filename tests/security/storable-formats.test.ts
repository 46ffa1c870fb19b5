// The protocol's storable formats (packages/protocol/src/formats.ts) hold by construction: their own edge values
// and hostile text, fed through the real server into real PGlite and real PostgreSQL 15, either come back exactly
// as sent (written, read back from the database) or are refused with a 400 in the protocol's error shape, and a
// refusal is the formats' (or the declared length's) verdict, never the database's. Never a 500.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  type Consultation,
  type ConsultationDetail,
  type ErrorBody,
  isStorableDateTime,
  isStorableLine,
  Routes,
  routeUrl,
  Timestamp,
  Title,
} from '@consulta/protocol';
import fc from 'fast-check';
import type { HttpClient } from '../support/http.ts';
import { createTestDatabase } from '../support/postgres.ts';
import { arbitraryOf, edgeInstants } from '../support/schema-arbitrary.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20_261_126);
const TITLE_MAX = 200;

const instant = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(...edgeInstants) },
  { weight: 2, arbitrary: arbitraryOf(Timestamp) as fc.Arbitrary<string> },
  // Any instant JavaScript can name, written with an offset: the year-0 and year-10000 sides of the edges.
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.date({ min: new Date(-62_198_755_200_000), max: new Date(253_402_300_799_999 + 86_400_000) }),
        fc.integer({ min: -14 * 60, max: 14 * 60 }),
      )
      .filter(([d]) => !Number.isNaN(d.getTime()))
      .map(([d, offset]) => withOffset(d, offset)),
  },
);

/** `d` written in local time at `offsetMinutes` from UTC, RFC 3339 style (years padded to four digits). */
function withOffset(d: Date, offsetMinutes: number): string {
  const local = new Date(d.getTime() + offsetMinutes * 60_000);
  const iso = local.toISOString();
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  const zone = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return iso.replace(/Z$/, zone);
}

const title = arbitraryOf(Title) as fc.Arbitrary<string>;

function storable(t: string, at: string): boolean {
  const length = [...t].length;
  return isStorableLine(t) && length >= 1 && length <= TITLE_MAX && isStorableDateTime(at);
}

const backends: Array<{ name: string; start(): Promise<{ server: TestServer; stop(): Promise<void> }> }> = [
  {
    name: 'PGlite',
    async start() {
      const server = await startTestServer({ overrides: { media: { enabled: false } } });
      return { server, stop: () => server.close() };
    },
  },
  {
    name: 'PostgreSQL',
    async start() {
      const db = await createTestDatabase();
      const server = await startTestServer({ databaseUrl: db.url, overrides: { media: { enabled: false } } });
      return {
        server,
        async stop() {
          await server.close();
          await db.drop();
        },
      };
    },
  },
];

for (const backend of backends) {
  describe(`storable formats through ${backend.name}`, () => {
    let running: Awaited<ReturnType<(typeof backend)['start']>>;
    let clinician: HttpClient;
    let admin: HttpClient;
    before(async () => {
      running = await backend.start();
      clinician = await running.server.signedIn('CLINICIAN');
      admin = await running.server.signedIn('ADMIN');
    });
    after(async () => {
      await running?.stop();
    });

    test('a title and a time either round-trip exactly through the database or are refused with a 400', async () => {
      const seen = { stored: 0, refused: 0 };
      await fc.assert(
        fc.asyncProperty(title, instant, async (t, at) => {
          const created = await clinician.post<Consultation | ErrorBody>(Routes.createConsultation.path, {
            title: t,
            scheduledFor: at,
          });
          const what = `${JSON.stringify(t)} at ${at}: ${created.status} ${JSON.stringify(created.body)}`;
          if (!storable(t, at)) {
            assert.equal(created.status, 400, what);
            assert.equal((created.body as ErrorBody).error.code, 'VALIDATION_FAILED', what);
            seen.refused++;
            return;
          }
          assert.equal(created.status, 201, what);
          // Read back from the database, not from the reply to the write.
          const id = (created.body as Consultation).id;
          const read = await clinician.get<ConsultationDetail>(
            routeUrl(Routes.getConsultation, { consultationId: id }),
          );
          assert.equal(read.status, 200, what);
          assert.equal(read.body.title, t, what);
          assert.equal(Date.parse(read.body.scheduledFor!), Date.parse(at), what);
          seen.stored++;
        }),
        { seed: SEED, numRuns: 80, endOnFailure: true },
      );
      // Both sides of the edge were exercised, or the property says nothing.
      assert.ok(seen.stored >= 10 && seen.refused >= 10, JSON.stringify(seen));
    });

    test('the audit filter takes the same instants: a page, or a 400', async () => {
      await fc.assert(
        fc.asyncProperty(instant, async (at) => {
          const res = await admin.get<ErrorBody>(routeUrl(Routes.listAudit, undefined, { before: at }));
          assert.equal(res.status, isStorableDateTime(at) ? 200 : 400, `${at}: ${JSON.stringify(res.body)}`);
        }),
        { seed: SEED, numRuns: 60, endOnFailure: true },
      );
    });
  });
}
