// Every consultation with its state and media route. Whether anyone is in its call comes from the live snapshot
// (the server's rooms): the stored status stays ACTIVE after everyone closed their tab, which is not "live".

import { DataTable } from './DataTable.tsx';
import { useAdminStore } from './store.ts';

export function ConsultationsTable() {
  const consultations = useAdminStore((s) => s.consultations);
  const snapshot = useAdminStore((s) => s.live);
  const inCall = new Set(snapshot?.consultations.map((c) => c.consultationId) ?? []);
  const open = consultations.filter((c) => c.status !== 'ENDED').length;
  return (
    <section className="card" aria-labelledby="live-heading" data-testid="admin-consultations">
      <h1 id="live-heading">
        Consultations ({open} open, {inCall.size} in a call)
      </h1>
      <DataTable columns={['Title', 'Clinician', 'Status', 'Topology', 'Started']} rows={consultations}>
        {(c) => (
          <tr key={c.id}>
            <td>{c.title}</td>
            <td>{c.clinician.displayName}</td>
            <td data-testid="consultation-status">
              <span className={`badge ${c.status}`}>{c.status.toLowerCase()}</span>
              {c.status !== 'ENDED' && c.status !== 'SCHEDULED' && !inCall.has(c.id) && (
                <span className="muted"> · nobody in the call</span>
              )}
            </td>
            <td>{c.topology ?? '–'}</td>
            <td>{c.startedAt ? new Date(c.startedAt).toLocaleTimeString() : '–'}</td>
          </tr>
        )}
      </DataTable>
    </section>
  );
}
