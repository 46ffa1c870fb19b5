// When each recording will be deleted under the retention period, with the legal hold that stops it. Loaded on
// demand, like the recordings list; setting or lifting a hold is audited by the server.
import type { RecordingRetention as Retention, RetentionList } from '@consulta/protocol';
import { useState } from 'react';
import { api } from '../shared/api.ts';
import { ErrorText } from '../shared/ui.tsx';
import { DataTable } from './DataTable.tsx';
import { useAdminStore } from './store.ts';

export function RecordingRetention() {
  const consultations = useAdminStore((s) => s.consultations);
  const [list, setList] = useState<RetentionList | null>(null);
  const [error, setError] = useState<string | null>(null);
  const titles = new Map(consultations.map((c) => [c.id, c.title]));
  const load = async () => {
    try {
      setList(await api.listRetention());
      setError(null);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const setHold = async (r: Retention, hold: boolean) => {
    try {
      const updated = await api.setLegalHold({ params: { recordingId: r.recordingId }, body: { hold } });
      setList((l) =>
        l
          ? { ...l, recordings: l.recordings.map((x) => (x.recordingId === r.recordingId ? updated : x)) }
          : l,
      );
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <section className="card" aria-labelledby="retention-heading" data-testid="admin-retention">
      <div className="card-head">
        <h2 id="retention-heading">Recording retention</h2>
        <button type="button" onClick={() => void load()}>
          {list ? 'Reload' : 'Show deletion dates'}
        </button>
      </div>
      <ErrorText error={error} />
      {list && (
        <>
          <p className="muted">
            Finished recordings are deleted {list.recordingDays} days after they stopped, unless on legal
            hold.
          </p>
          <DataTable
            columns={['Consultation', 'Stopped', 'Deleted on', 'Legal hold']}
            rows={list.recordings}
            empty="No recordings."
          >
            {(r) => (
              <tr key={r.recordingId} data-testid="retention-row">
                <td>{titles.get(r.consultationId) ?? r.consultationId.slice(0, 8)}</td>
                <td>{r.stoppedAt ? new Date(r.stoppedAt).toLocaleString() : '–'}</td>
                <td>
                  {r.deleteAfter
                    ? new Date(r.deleteAfter).toLocaleDateString()
                    : r.legalHold
                      ? 'never while held'
                      : 'after it finishes'}
                </td>
                <td>
                  <label className="inline-check">
                    <input
                      type="checkbox"
                      checked={r.legalHold}
                      onChange={(e) => void setHold(r, e.target.checked)}
                    />
                    {r.legalHold && r.legalHoldAt
                      ? `since ${new Date(r.legalHoldAt).toLocaleDateString()}`
                      : 'hold'}
                  </label>
                </td>
              </tr>
            )}
          </DataTable>
        </>
      )}
    </section>
  );
}
