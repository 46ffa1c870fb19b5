// What everyone in the call sees of a recording: a plain "Recording" indicator while it runs, and a line for the
// other states so nobody wonders whether the request went away.
import type { Recording } from '@consulta/protocol';

const WORDS: Partial<Record<Recording['status'], string>> = {
  AWAITING_CONSENT: 'Recording requested: waiting for everyone to answer.',
  FINALISING: 'Recording stopped; the file is being saved.',
  BLOCKED: 'Not recorded: someone declined, or the request was withdrawn or not answered in time.',
  PARTIAL: 'The recording was cut short by a technical fault; what was recorded until then is kept.',
  FAILED: 'The recording failed and was stopped.',
};

export function RecordingBadge({ recording }: { recording: Recording | null }) {
  // FINALISING (stopped, file being saved) is never shown as "Recording": the stop reaches everyone at once.
  if (!recording || recording.status === 'COMPLETE') return null;
  if (recording.status === 'RECORDING')
    return (
      <p className="recording-on" role="status" data-testid="recording-indicator">
        <span className="rec-dot" aria-hidden="true" />
        Recording
      </p>
    );
  return (
    <p className="status" role="status" data-testid="recording-state">
      {WORDS[recording.status]}
    </p>
  );
}
