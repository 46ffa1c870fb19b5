// The recording consent question: a modal that says what would be recorded and who could see it, and asks for a
// clear yes or no; Escape does not answer it.
import type { Recording } from '@consulta/protocol';
import { ModalDialog } from './ModalDialog.tsx';

/** Whether this recording waits for `selfId`'s answer. */
export function awaitsAnswer(recording: Recording | null, selfId: string | null): boolean {
  if (!recording || !selfId) return false;
  if (recording.status !== 'AWAITING_CONSENT' && recording.status !== 'RECORDING') return false;
  return recording.consents.some((c) => c.participantId === selfId && c.decision === null);
}

export function ConsentDialog(props: { recording: Recording; onAnswer(granted: boolean): void }) {
  const running = props.recording.status === 'RECORDING';
  return (
    <ModalDialog
      testId="consent-dialog"
      title={running ? 'This consultation is being recorded' : 'May this consultation be recorded?'}
      actions={
        <>
          {/* Agree first in the DOM order but Decline is just as easy: no default is pressed for the person. */}
          <button type="button" className="primary" onClick={() => props.onAnswer(true)}>
            Agree to recording
          </button>
          <button type="button" onClick={() => props.onAnswer(false)}>
            Decline
          </button>
        </>
      }
    >
      <p>
        {running
          ? 'A recording is running. If you agree, your video and voice are recorded from now until the recording stops.'
          : 'The clinic asks to record this consultation. If everyone taking part agrees, the video and voice of everyone in the call are recorded until the recording is stopped.'}
      </p>
      <p>
        The recording is stored on the clinic’s server. Only the clinic’s administrators (and your clinician,
        where the clinic allows it) can open or download it, and every access is logged.
      </p>
      <p>
        {running
          ? 'If you decline, you are not recorded, but while the recording runs you cannot see or hear the others and they cannot see or hear you.'
          : 'If you decline, nothing is recorded and the consultation continues as before.'}
      </p>
    </ModalDialog>
  );
}
