// The audit log as an admin reads it: people by name and role, filtered by person, action and dates, and paged by
// a keyset cursor that neither repeats nor skips an event while new ones are written.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { AuditEvent, AuditList, Consultation } from '@consulta/protocol';
import { startTestServer, type TestServer } from '../support/server.ts';

let server: TestServer;

before(async () => {
  server = await startTestServer();
});
after(() => server?.close());

test('names and roles, person/action/date filters, keyset pages', async () => {
  const clinician = await server.signedIn('CLINICIAN');
  const admin = await server.signedIn('ADMIN');
  for (let i = 0; i < 7; i++) {
    const res = await clinician.post<Consultation>('/api/consultations', { title: `Audit ${i}` });
    assert.equal(res.status, 201);
  }
  const me = await clinician.get<{ user: { id: string; displayName: string } }>('/api/auth/me');
  const clinicianId = me.body.user.id;

  const creates = await admin.get<AuditList>(`/api/audit?action=consultation.create&personId=${clinicianId}`);
  assert.equal(creates.status, 200);
  assert.equal(creates.body.events.length, 7);
  for (const e of creates.body.events) {
    assert.deepEqual(e.actor, { id: clinicianId, displayName: me.body.user.displayName, role: 'CLINICIAN' });
  }

  // Pages of 3 in (at, id) order: 3 + 3 + 1, the same events as one page, no repeats.
  const seen: AuditEvent[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const q: string = `/api/audit?action=consultation.create&personId=${clinicianId}&limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const page = await admin.get<AuditList>(q);
    assert.equal(page.status, 200, JSON.stringify(page.body));
    seen.push(...page.body.events);
    cursor = page.body.nextCursor;
    pages++;
    // Events written between pages do not shift the pages (they are newer than every cursor).
    await clinician.post('/api/consultations', { title: 'Written while paging' });
  } while (cursor);
  assert.equal(pages, 3);
  assert.deepEqual(
    seen.map((e) => e.id),
    creates.body.events.map((e) => e.id),
  );

  // Dates: nothing from tomorrow on; everything since yesterday.
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString();
  const yesterday = new Date(Date.now() - 86_400_000).toISOString();
  assert.equal((await admin.get<AuditList>(`/api/audit?from=${tomorrow}`)).body.events.length, 0);
  const recent = await admin.get<AuditList>(
    `/api/audit?from=${yesterday}&to=${tomorrow}&personId=${clinicianId}`,
  );
  assert.ok(recent.body.events.length >= 10);
  // A malformed cursor is refused at the edge.
  assert.equal((await admin.get('/api/audit?cursor=nonsense')).status, 400);
});
