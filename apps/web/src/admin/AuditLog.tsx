// The latest audit events.
import { useAdminStore } from './store.ts';

export function AuditLog() {
  const events = useAdminStore((s) => s.events);
  return (
    <section className="card" aria-labelledby="audit-heading" data-testid="admin-audit">
      <h2 id="audit-heading">Audit log</h2>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Action</th>
              <th scope="col">Actor</th>
              <th scope="col">Target</th>
              <th scope="col">Outcome</th>
              <th scope="col">IP</th>
            </tr>
          </thead>
          <tbody>
            {events.map((e) => (
              <tr key={e.id}>
                <td>{new Date(e.at).toLocaleString()}</td>
                <td>{e.action}</td>
                <td>
                  {e.actorType}
                  {e.actorId ? ` ${e.actorId.slice(0, 8)}` : ''}
                </td>
                <td>{e.targetType ? `${e.targetType} ${e.targetId?.slice(0, 8) ?? ''}` : '–'}</td>
                <td>{e.outcome}</td>
                <td>{e.ip ?? '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
