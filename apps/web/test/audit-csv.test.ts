import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AuditEvent } from '@consulta/protocol';
import { auditCsv } from '../src/admin/audit-csv.ts';

const event = (over: Partial<AuditEvent>): AuditEvent => ({
  id: 'e1',
  at: '2026-11-26T01:00:00.000Z',
  action: 'consultation.create',
  actorType: 'staff',
  actorId: 'u1',
  targetType: 'consultation',
  targetId: 'c1',
  consultationId: 'c1',
  ip: '127.0.0.1',
  outcome: 'ok',
  details: null,
  actor: { id: 'u1', displayName: 'Dr. Ana Ruiz', role: 'CLINICIAN' },
  target: null,
  ...over,
});

test('one row per event, people by name and role, quoted where needed', () => {
  const csv = auditCsv([event({}), event({ actor: { id: 'p', displayName: 'Kim, "K"', role: 'PATIENT' } })]);
  const lines = csv.trimEnd().split('\r\n');
  assert.equal(lines[0], 'time,action,actor,actor role,target,target role,outcome,ip,consultation');
  assert.equal(
    lines[1],
    '2026-11-26T01:00:00.000Z,consultation.create,Dr. Ana Ruiz,CLINICIAN,consultation c1,,ok,127.0.0.1,c1',
  );
  assert.equal(lines[2]?.split(',')[2], '"Kim');
  assert.ok(lines[2]?.includes('"Kim, ""K"""'));
});

test('a value that a spreadsheet would run as a formula stays text', () => {
  const csv = auditCsv([event({ actor: { id: 'p', displayName: '=HYPERLINK("x")', role: 'PATIENT' } })]);
  assert.ok(csv.includes(`"'=HYPERLINK(""x"")"`));
});
