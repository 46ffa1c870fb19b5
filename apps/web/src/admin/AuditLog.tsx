// The audit log: people by name and role, filtered by person (click a name), action and dates, paged newest
// first, and exported as CSV (every page under the current filters).
import { type AuditAction, AuditActions, type AuditEvent, type AuditPerson } from '@consulta/protocol';
import { useState } from 'react';
import { api } from '../shared/api.ts';
import { ErrorText } from '../shared/ui.tsx';
import { auditCsv } from './audit-csv.ts';
import { auditQuery } from './audit-slice.ts';
import { DataTable } from './DataTable.tsx';
import { useAdminStore } from './store.ts';

/** Export stops here: a bigger trail is a job for the database, not a browser download. */
const EXPORT_MAX = 10_000;

export function AuditLog() {
  const events = useAdminStore((s) => s.events);
  const filters = useAdminStore((s) => s.auditFilters);
  const setFilters = useAdminStore((s) => s.setAuditFilters);
  const next = useAdminStore((s) => s.auditNext);
  const trail = useAdminStore((s) => s.auditTrail);
  const older = useAdminStore((s) => s.olderAudit);
  const newer = useAdminStore((s) => s.newerAudit);
  const error = useAdminStore((s) => s.auditError);
  const [exporting, setExporting] = useState<string | null>(null);
  const pick = (p: AuditPerson) => void setFilters({ ...filters, personId: p.id, personName: p.displayName });

  const exportCsv = async () => {
    const all: AuditEvent[] = [];
    let cursor: string | undefined;
    setExporting('Exporting…');
    try {
      do {
        const page = await api.listAudit({ query: auditQuery(filters, cursor, 500) });
        all.push(...page.events);
        cursor = page.nextCursor ?? undefined;
      } while (cursor && all.length < EXPORT_MAX);
      const url = URL.createObjectURL(new Blob([auditCsv(all)], { type: 'text/csv' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = `consulta-audit-${new Date().toISOString().slice(0, 10)}.csv`;
      a.click();
      URL.revokeObjectURL(url);
      setExporting(`Exported ${all.length} events${cursor ? ` (the first ${EXPORT_MAX})` : ''}.`);
    } catch (err) {
      setExporting(`Export failed: ${(err as Error).message}`);
    }
  };

  return (
    <section className="card" aria-labelledby="audit-heading" data-testid="admin-audit">
      <h2 id="audit-heading">Audit log</h2>
      <form
        className="form-row audit-filters"
        aria-label="Filter the audit log"
        onSubmit={(e) => e.preventDefault()}
      >
        <label>
          Action
          <select
            value={filters.action ?? ''}
            onChange={(e) => {
              const { action: _, ...rest } = filters;
              void setFilters(e.target.value ? { ...rest, action: e.target.value as AuditAction } : rest);
            }}
          >
            <option value="">Any action</option>
            {AuditActions.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </label>
        <label>
          From
          <input
            type="date"
            value={filters.fromDay ?? ''}
            onChange={(e) => void setFilters({ ...filters, fromDay: e.target.value || undefined })}
          />
        </label>
        <label>
          To
          <input
            type="date"
            value={filters.toDay ?? ''}
            onChange={(e) => void setFilters({ ...filters, toDay: e.target.value || undefined })}
          />
        </label>
        <button type="button" onClick={() => void exportCsv()}>
          Export CSV
        </button>
      </form>
      {filters.personId && (
        <p>
          Only events of <strong>{filters.personName}</strong>{' '}
          <button
            type="button"
            onClick={() => {
              const { personId: _, personName: __, ...rest } = filters;
              void setFilters(rest);
            }}
          >
            Everyone
          </button>
        </p>
      )}
      {exporting && <p className="status">{exporting}</p>}
      <ErrorText error={error} />
      <DataTable columns={['Time', 'Action', 'Who', 'To whom / what', 'Outcome', 'IP']} rows={events}>
        {(e) => (
          <tr key={e.id} data-testid="audit-row">
            <td>{new Date(e.at).toLocaleString()}</td>
            <td>{e.action}</td>
            <td>
              <Person person={e.actor} type={e.actorType} onPick={pick} />
            </td>
            <td>
              <Person person={e.target} type={e.targetType} onPick={pick} />
            </td>
            <td>{e.outcome}</td>
            <td>{e.ip ?? '–'}</td>
          </tr>
        )}
      </DataTable>
      <div className="controls toolbar-start">
        <button type="button" disabled={trail.length === 0} onClick={() => void newer()}>
          Newer
        </button>
        <button type="button" disabled={!next} onClick={() => void older()}>
          Older
        </button>
      </div>
    </section>
  );
}

/** A person by name and role (click to see only their events), or what else acted or was acted on. */
function Person(props: { person: AuditPerson | null; type: string | null; onPick(p: AuditPerson): void }) {
  const { person, type } = props;
  if (!person) return <span className="muted">{type ?? '–'}</span>;
  return (
    <button
      type="button"
      className="person-button"
      title={`Only events of ${person.displayName}`}
      onClick={() => props.onPick(person)}
    >
      {person.displayName} <span className="muted">({person.role.toLowerCase()})</span>
    </button>
  );
}
