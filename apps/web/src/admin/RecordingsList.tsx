// Every recording with what an administrator needs to check and fetch it: status, duration, size, SHA-256, file.
import { RECORDING_FILE_STATUSES } from '@consulta/protocol';
import { recordingFileUrl } from '../shared/api.ts';
import { ErrorText } from '../shared/ui.tsx';
import { DataTable } from './DataTable.tsx';
import { formatDuration, formatSize, STATUS_WORDS } from './format.ts';
import { useAdminStore } from './store.ts';

export function RecordingsList() {
  const recordings = useAdminStore((s) => s.recordings);
  const consultations = useAdminStore((s) => s.consultations);
  const error = useAdminStore((s) => s.recordingsError);
  const loadRecordings = useAdminStore((s) => s.loadRecordings);
  const titles = new Map(consultations.map((c) => [c.id, c.title]));
  return (
    <section className="card" aria-labelledby="recordings-heading" data-testid="admin-recordings">
      <div className="card-head">
        <h2 id="recordings-heading">Recordings</h2>
        <button type="button" onClick={() => void loadRecordings()}>
          Reload recordings
        </button>
      </div>
      <ErrorText error={error} />
      <DataTable
        columns={['Consultation', 'Requested', 'Status', 'Duration', 'Size', 'SHA-256', 'File']}
        rows={recordings}
        empty="No recordings."
      >
        {(r) => (
          <tr key={r.id} data-testid="recording-row">
            <td>{titles.get(r.consultationId) ?? r.consultationId.slice(0, 8)}</td>
            <td>{new Date(r.createdAt).toLocaleString()}</td>
            <td>
              <span className={`badge rec-${r.status}`}>{STATUS_WORDS[r.status]}</span>
            </td>
            <td>{formatDuration(r.durationMs)}</td>
            <td>{formatSize(r.sizeBytes)}</td>
            <td className="hash-cell">{r.sha256 ? <code className="hash">{r.sha256}</code> : '–'}</td>
            <td>
              {RECORDING_FILE_STATUSES.includes(r.status) ? (
                <a
                  href={recordingFileUrl(r.id)}
                  download
                  aria-label={`Download ${r.status === 'PARTIAL' ? 'partial ' : ''}recording of ${titles.get(r.consultationId) ?? 'consultation'} from ${new Date(r.createdAt).toLocaleString()}`}
                >
                  {r.status === 'PARTIAL' ? 'Download (partial)' : 'Download'}
                </a>
              ) : (
                '–'
              )}
            </td>
          </tr>
        )}
      </DataTable>
    </section>
  );
}
