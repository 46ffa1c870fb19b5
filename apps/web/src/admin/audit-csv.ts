// The audit log as CSV (RFC 4180): one row per event, people by name and role, every field quoted when needed.
import type { AuditEvent, AuditPerson } from '@consulta/protocol';

const HEADER = [
  'time',
  'action',
  'actor',
  'actor role',
  'target',
  'target role',
  'outcome',
  'ip',
  'consultation',
];

function field(value: string): string {
  // A leading =, +, - or @ would be a formula in a spreadsheet: prefix it so it stays text.
  const safe = /^[=+\-@]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

const name = (p: AuditPerson | null, type: string | null, id: string | null) =>
  p?.displayName ?? (type ? `${type}${id ? ` ${id}` : ''}` : '');

export function auditCsv(events: readonly AuditEvent[]): string {
  const rows = events.map((e) => [
    e.at,
    e.action,
    name(e.actor, e.actorType, e.actorId),
    e.actor?.role ?? '',
    name(e.target, e.targetType, e.targetId),
    e.target?.role ?? '',
    e.outcome,
    e.ip ?? '',
    e.consultationId ?? '',
  ]);
  return `${[HEADER, ...rows].map((r) => r.map(field).join(',')).join('\r\n')}\r\n`;
}
