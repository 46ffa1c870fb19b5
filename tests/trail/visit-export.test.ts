// The visit export through the real server: one JSON document with the consultation's participants, invites,
// admissions, media-path spans, recordings and every audit event; its audit chain re-verifies from the document
// alone (the recipe in docs/health-data.md, written out here independently of the server's code); an edited row
// shows up as a broken chain in the next export; admins only, and audited.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import type { ChainedAuditEvent, VisitExport } from '@consulta/protocol';
import { joinedCall } from '../support/consultation.ts';
import { serverWithMail } from '../support/server-with-mail.ts';

const env = serverWithMail();

/** Canonical JSON: keys sorted at every depth, no whitespace (docs/health-data.md). */
function canonical(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v ?? null);
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  const keys = Object.keys(v as object).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
}

function rehash(e: ChainedAuditEvent): string {
  const { hash: _, ...fields } = e;
  return createHash('sha256')
    .update(canonical({ v: 1, ...fields }))
    .digest('hex');
}

test('an admin exports a visit; the document is complete and its chain verifies on its own', async () => {
  const { consult, clinician, people } = await joinedCall(env.server, env.smtp, 1, { title: 'Export me' });
  const [doc, guest] = people as [(typeof people)[0], (typeof people)[0]];
  doc.ws.send({
    type: 'media-path',
    link: 'mesh',
    peerId: guest.id,
    streamId: null,
    pair: { localType: 'srflx', remoteType: 'host', protocol: 'udp' },
  });
  doc.ws.send({ type: 'ping', t: 0 });
  await doc.ws.next('pong');
  guest.ws.send({ type: 'leave' });
  await doc.ws.next('peer-left');
  assert.equal((await clinician.post(`/api/consultations/${consult.id}/end`)).status, 200);

  const admin = await env.server.signedIn('ADMIN');
  assert.equal((await clinician.get(`/api/consultations/${consult.id}/export`)).status, 403);
  assert.equal(
    (await admin.get('/api/consultations/00000000-0000-0000-0000-000000000000/export')).status,
    404,
  );
  const res = await admin.get<VisitExport>(`/api/consultations/${consult.id}/export`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const x = res.body;
  assert.equal(x.format, 'consulta-visit-export');
  assert.equal(x.consultation.status, 'ENDED');
  assert.deepEqual(x.participants.map((p) => p.id).sort(), [doc.id, guest.id].sort());
  assert.equal(x.invites.length, 1);
  assert.deepEqual(
    x.admissions.map((a) => [a.participantId, a.decision]),
    [[guest.id, 'ADMITTED']],
  );
  const spans = x.mediaPaths.filter((s) => s.topology === 'p2p');
  assert.deepEqual(
    spans.map((s) => [s.participantId, s.path, s.endedAt !== null]).sort(),
    [
      [doc.id, 'direct-srflx', true],
      [guest.id, 'unknown', true],
    ].sort(),
  );
  assert.deepEqual(x.recordings, []);
  const actions = x.auditEvents.map((e) => e.action);
  for (const a of [
    'consultation.create',
    'invite.send',
    'invite.open',
    'participant.admit',
    'room.join',
    'consultation.end',
    'visit.export',
  ])
    assert.ok(actions.includes(a as never), `${a} in ${actions.join(', ')}`);
  assert.equal(x.auditChain.ok, true);

  // The chain re-verifies from the document alone: positions 1..n, links, hashes, head.
  let prev = '0'.repeat(64);
  x.auditEvents.forEach((e, i) => {
    assert.equal(e.seq, i + 1);
    assert.equal(e.prevHash, prev);
    assert.equal(rehash(e), e.hash, `event ${e.seq} (${e.action}) re-hashes`);
    prev = e.hash as string;
  });
  assert.equal(x.auditChain.headHash, prev);
  assert.equal(x.auditChain.headSeq, x.auditEvents.length);

  // Someone edits the admission's time in the database: the next export says where the chain breaks.
  const admit = x.auditEvents.find((e) => e.action === 'participant.admit')!;
  await env.server.db.prisma.$executeRawUnsafe(
    `UPDATE "AuditEvent" SET "at" = "at" - interval '1 hour' WHERE "id" = '${admit.id}'`,
  );
  const again = (await admin.get<VisitExport>(`/api/consultations/${consult.id}/export`)).body;
  assert.equal(again.auditChain.ok, false);
  assert.deepEqual(
    [again.auditChain.firstBroken?.seq, again.auditChain.firstBroken?.reason],
    [admit.seq, 'hash-mismatch'],
  );
  assert.equal(
    again.auditEvents.filter((e) => e.action === 'visit.export').length,
    2,
    'each export is audited',
  );
});

test('the printable view: the same visit as one HTML page, every value escaped, admins only, audited', async () => {
  const { consult, clinician } = await joinedCall(env.server, env.smtp, 1, {
    title: '<b>Follow-up</b> & "check"',
  });
  const admin = await env.server.signedIn('ADMIN');
  const url = `${env.server.url}/api/consultations/${consult.id}/export/print`;
  assert.equal((await fetch(url, { headers: { cookie: clinician.cookieHeader } })).status, 403);
  const res = await fetch(url, { headers: { cookie: admin.cookieHeader } });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/html; charset=utf-8/);
  assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/);
  const html = await res.text();
  assert.ok(html.includes('&lt;b&gt;Follow-up&lt;/b&gt; &amp; &quot;check&quot;'), 'the title is escaped');
  assert.ok(!html.includes('<b>Follow-up'), 'never as markup');
  assert.ok(!/<script/i.test(html), 'no script');
  // The same document as the JSON export: every participant and every audit event's action is on the page.
  const json = await admin.get<VisitExport>(`/api/consultations/${consult.id}/export`);
  for (const p of json.body.participants) assert.ok(html.includes(p.displayName), p.displayName);
  for (const action of new Set(json.body.auditEvents.map((e) => e.action)))
    assert.ok(html.includes(`<td>${action}</td>`), action);
  assert.match(html, /Audit chain<\/dt><dd><span class="ok">intact/);
  const printed = json.body.auditEvents.filter(
    (e) => e.action === 'visit.export' && (e.details as { format?: string } | null)?.format === 'html',
  );
  assert.equal(printed.length, 1, 'the print is audited as an export in HTML');
});
