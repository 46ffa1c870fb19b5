// What everyone in the call sees of a recording: a plain "Recording" indicator while it runs (with who withdrew
// consent and is no longer recorded), and a line for the other states so nobody wonders whether the request went
// away.
import type { Recording } from '@consulta/protocol';
import type { ReactNode } from 'react';

const WORDS: Partial<Record<Recording['status'], string>> = {
  AWAITING_CONSENT: 'Recording requested: waiting for everyone to answer.',
  FINALISING: 'Recording stopped; the file is being saved.',
  BLOCKED: 'Not recorded: someone declined, or the request was withdrawn or not answered in time.',
  PARTIAL: 'The recording was cut short by a technical fault; what was recorded until then is kept.',
  FAILED: 'The recording failed and was stopped.',
};

export function RecordingBadge(props: {
  recording: Recording | null;
  selfId: string | null;
  /** The "Stop recording me" action, shown while the recording records this participant. */
  children?: ReactNode;
}) {
  const { recording, selfId } = props;
  // FINALISING (stopped, file being saved) is never shown as "Recording": the stop reaches everyone at once.
  if (!recording || recording.status === 'COMPLETE') return null;
  if (recording.status === 'RECORDING') {
    const withdrawn = recording.consents.filter((c) => c.withdrawnAt !== null);
    return (
      <div className="recording-bar">
        <p className="recording-on" role="status" data-testid="recording-indicator">
          <span className="rec-dot" aria-hidden="true" />
          Recording
        </p>
        {props.children}
        {withdrawn.length > 0 && (
          // Everyone in the call sees who is no longer recorded, for as long as the recording runs.
          <ul className="withdrawals" role="status" aria-label="Consent withdrawn" data-testid="withdrawals">
            {withdrawn.map((c) => (
              <li key={c.participantId}>
                {c.participantId === selfId
                  ? 'You withdrew consent; your audio and video are no longer recorded.'
                  : `${c.displayName} withdrew consent; their audio and video are no longer recorded.`}
              </li>
            ))}
          </ul>
        )}
      </div>
    );
  }
  return (
    <p className="status" role="status" data-testid="recording-state">
      {WORDS[recording.status]}
    </p>
  );
}
