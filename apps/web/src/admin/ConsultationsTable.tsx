// Every consultation with its state and media route.
import { useAdminStore } from './store.ts';

export function ConsultationsTable() {
  const consultations = useAdminStore((s) => s.consultations);
  const live = consultations.filter((c) => c.status !== 'ENDED').length;
  return (
    <section className="card" aria-labelledby="live-heading" data-testid="admin-consultations">
      <h1 id="live-heading">Consultations ({live} live)</h1>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Title</th>
              <th scope="col">Clinician</th>
              <th scope="col">Status</th>
              <th scope="col">Topology</th>
              <th scope="col">Started</th>
            </tr>
          </thead>
          <tbody>
            {consultations.map((c) => (
              <tr key={c.id}>
                <td>{c.title}</td>
                <td>{c.clinician.displayName}</td>
                <td>
                  <span className={`badge ${c.status}`}>{c.status.toLowerCase()}</span>
                </td>
                <td>{c.topology ?? '–'}</td>
                <td>{c.startedAt ? new Date(c.startedAt).toLocaleTimeString() : '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
