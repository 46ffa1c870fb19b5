import type { VisitExport } from '@consulta/protocol';

// The printable view of a visit export: the same document as the JSON export, as one self-contained HTML page
// (inline CSS, no script, no external resource) that a browser prints to paper or PDF. Rendered on the server
// from the export object, so the two can never disagree; every value is escaped.

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
const esc = (v: unknown): string =>
  v === null || v === undefined ? '—' : String(v).replace(/[&<>"']/g, (c) => ESCAPES[c]!);

type Cell = string | number | null | undefined;

function table(caption: string, columns: string[], rows: Cell[][]): string {
  const head = columns.map((c) => `<th>${esc(c)}</th>`).join('');
  const body =
    rows.length === 0
      ? `<tr><td colspan="${columns.length}" class="none">None</td></tr>`
      : rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('\n');
  return `<section><h2>${esc(caption)}</h2><table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table></section>`;
}

const STYLE = `
  body { font: 11pt/1.4 system-ui, sans-serif; margin: 1.5rem; color: #111; }
  h1 { font-size: 16pt; margin: 0 0 .25rem; } h2 { font-size: 12pt; margin: 1.25rem 0 .4rem; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: .5rem 0; }
  dt { font-weight: 600; } dd { margin: 0; }
  table { border-collapse: collapse; width: 100%; font-size: 9pt; }
  th, td { border: 1px solid #999; padding: .2rem .35rem; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
  th { background: #eee; } td.none { color: #666; font-style: italic; }
  .mono { font-family: ui-monospace, monospace; font-size: 8pt; }
  .broken { color: #a00; font-weight: 600; } .ok { color: #070; font-weight: 600; }
  @media print { body { margin: 0; } section { break-inside: auto; } tr { break-inside: avoid; } thead { display: table-header-group; } }
`;

export function renderVisitHtml(x: VisitExport): string {
  const c = x.consultation;
  const name = new Map(x.participants.map((p) => [p.id, p.displayName]));
  const who = (id: string | null) => (id === null ? null : (name.get(id) ?? id));
  const chain = x.auditChain.ok
    ? `<span class="ok">intact</span> (${x.auditEvents.length} events, head ${esc(x.auditChain.headHash)})`
    : `<span class="broken">BROKEN</span> at event ${esc(x.auditChain.firstBroken?.seq)}: ${esc(x.auditChain.firstBroken?.reason)}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Visit record: ${esc(c.title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>${STYLE}</style></head>
<body>
<h1>Visit record: ${esc(c.title)}</h1>
<dl>
<dt>Consultation</dt><dd class="mono">${esc(c.id)}</dd>
<dt>Clinician</dt><dd>${esc(c.clinician.displayName)}</dd>
<dt>Status</dt><dd>${esc(c.status)}</dd>
<dt>Scheduled</dt><dd>${esc(c.scheduledFor)}</dd>
<dt>Started</dt><dd>${esc(c.startedAt)}</dd>
<dt>Ended</dt><dd>${esc(c.endedAt)}</dd>
${c.personalDataErasedAt ? `<dt>Personal data erased</dt><dd>${esc(c.personalDataErasedAt)} (retention)</dd>` : ''}
<dt>Exported</dt><dd>${esc(x.exportedAt)} by ${esc(x.exportedBy.displayName)}</dd>
<dt>Audit chain</dt><dd>${chain} <span class="mono">${esc(x.auditChain.chainKey)}</span></dd>
</dl>
${table(
  'Participants',
  ['Name', 'Role', 'Admission', 'Joined', 'Left'],
  x.participants.map((p) => [p.displayName, p.role, p.admission, p.joinedAt, p.leftAt]),
)}
${table(
  'Invites',
  ['Name', 'Email', 'Role', 'Opened', 'Expires', 'Revoked'],
  x.invites.map((i) => [i.displayName, i.email, i.role, i.openedAt, i.expiresAt, i.revokedAt]),
)}
${table(
  'Admissions',
  ['Participant', 'Decision', 'At', 'By (staff id)'],
  x.admissions.map((a) => [who(a.participantId), a.decision, a.at, a.byStaffId]),
)}
${table(
  'Media paths',
  ['Participant', 'Topology', 'Link', 'Path', 'Peer', 'Relayed by', 'SFU node', 'From', 'To', 'Reported'],
  x.mediaPaths.map((s) => [
    who(s.participantId),
    s.topology,
    s.link,
    s.path,
    who(s.peerId),
    who(s.relayedById),
    s.sfuNode,
    s.startedAt,
    s.endedAt,
    s.reportedAt ?? 'never (path unknown)',
  ]),
)}
${table(
  'Recordings',
  ['Recording', 'Status', 'Started', 'Stopped', 'Duration (s)', 'SHA-256', 'Consents'],
  x.recordings.map((r) => [
    r.id,
    r.status,
    r.startedAt,
    r.stoppedAt,
    r.durationMs === null ? null : (r.durationMs / 1000).toFixed(1),
    r.sha256,
    r.consents
      .map(
        (k) =>
          `${k.displayName}: ${k.decision ?? 'not answered'}${k.withdrawnAt ? `, withdrawn ${k.withdrawnAt}` : ''}`,
      )
      .join('; '),
  ]),
)}
${table(
  'Audit events',
  ['#', 'At', 'Action', 'Actor', 'Target', 'Outcome', 'Details', 'Hash'],
  x.auditEvents.map((e) => [
    e.seq,
    e.at,
    e.action,
    `${e.actorType}${e.actorId ? ` ${who(e.actorId)}` : ''}`,
    e.targetType ? `${e.targetType} ${e.targetId ?? ''}` : null,
    e.outcome,
    e.details === null || e.details === undefined ? null : JSON.stringify(e.details),
    e.hash?.slice(0, 16),
  ]),
)}
</body></html>
`;
}
