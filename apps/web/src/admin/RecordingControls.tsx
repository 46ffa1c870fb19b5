// Recording one live consultation: start, everyone's consent as it comes in (who declined is named), stop.
// While a recording moves it is polled by id (a read that is not audited, unlike the list).
import type { Consultation, Recording } from '@consulta/protocol';
import { useEffect, useState } from 'react';
import { api } from '../shared/api.ts';
import { ErrorText } from '../shared/ui.tsx';
import { formatDuration, STATUS_WORDS } from './format.ts';
import { inProgress, useAdminStore } from './store.ts';

const POLL_MS = 1000;

const DECISION_WORDS = { GRANTED: 'agreed', DECLINED: 'declined' } as const;

export function RecordingControls({ consultation }: { consultation: Consultation }) {
  const recordings = useAdminStore((s) => s.recordings);
  const putRecording = useAdminStore((s) => s.putRecording);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const latest = recordings.find((r) => r.consultationId === consultation.id) ?? null;
  const moving = latest !== null && inProgress(latest);

  const pollId = moving ? latest.id : null;
  useEffect(() => {
    if (!pollId) return;
    const timer = setInterval(() => {
      api
        .getRecording({ params: { recordingId: pollId } })
        .then(putRecording, (err: Error) => setError(err.message));
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [pollId, putRecording]);

  const act = async (action: () => Promise<Recording>) => {
    setBusy(true);
    setError(null);
    try {
      putRecording(await action());
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section
      className="card recording-card"
      aria-labelledby={`rec-${consultation.id}`}
      data-testid="recording-controls"
    >
      <h2 id={`rec-${consultation.id}`}>
        {consultation.title} <span className="muted">with {consultation.clinician.displayName}</span>
      </h2>
      {latest && <RecordingState recording={latest} />}
      <div className="controls start">
        {!moving && (
          <button
            type="button"
            className="primary"
            disabled={busy}
            onClick={() =>
              void act(() => api.requestRecording({ params: { consultationId: consultation.id } }))
            }
            aria-label={`Start recording ${consultation.title}`}
          >
            Start recording
          </button>
        )}
        {latest && (latest.status === 'AWAITING_CONSENT' || latest.status === 'RECORDING') && (
          <button
            type="button"
            className="danger"
            disabled={busy}
            onClick={() => void act(() => api.stopRecording({ params: { recordingId: latest.id } }))}
            aria-label={`Stop recording ${consultation.title}`}
          >
            {latest.status === 'RECORDING' ? 'Stop recording' : 'Withdraw request'}
          </button>
        )}
      </div>
      <ErrorText error={error} />
    </section>
  );
}

function RecordingState({ recording }: { recording: Recording }) {
  const declined = recording.consents.filter((c) => c.decision === 'DECLINED');
  return (
    <div aria-live="polite">
      <p>
        Status:{' '}
        <span className={`badge rec-${recording.status}`} data-testid="recording-status">
          {STATUS_WORDS[recording.status]}
        </span>
        {recording.status === 'RECORDING' && recording.startedAt && (
          <span className="muted"> since {new Date(recording.startedAt).toLocaleTimeString()}</span>
        )}
        {recording.durationMs !== null && (
          <span className="muted"> · {formatDuration(recording.durationMs)}</span>
        )}
      </p>
      {recording.status === 'BLOCKED' && declined.length > 0 && (
        <p className="error-text">Declined by {declined.map((c) => c.displayName).join(', ')}.</p>
      )}
      {recording.consents.length > 0 && (
        <ul className="consents" aria-label="Consent">
          {recording.consents.map((c) => (
            <li
              key={c.participantId}
              className={`consent-${c.withdrawnAt ? 'withdrawn' : (c.decision ?? 'pending').toLowerCase()}`}
            >
              <span className="consent-name">{c.displayName}</span>
              <span className="consent-decision">
                {c.withdrawnAt
                  ? `agreed, withdrew at ${new Date(c.withdrawnAt).toLocaleTimeString()}`
                  : c.decision
                    ? DECISION_WORDS[c.decision]
                    : 'not answered yet'}
              </span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
