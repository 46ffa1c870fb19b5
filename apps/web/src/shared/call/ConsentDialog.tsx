// The recording consent question: a modal that says what would be recorded and who could see it, and asks for a
// clear yes or no. A native <dialog> opened with showModal() makes the rest of the page inert and moves focus in.
import type { Recording } from '@consulta/protocol';
import { useEffect, useId, useRef } from 'react';

/** Whether this recording waits for `selfId`'s answer. */
export function awaitsAnswer(recording: Recording | null, selfId: string | null): boolean {
  if (!recording || !selfId) return false;
  if (recording.status !== 'AWAITING_CONSENT' && recording.status !== 'RECORDING') return false;
  return recording.consents.some((c) => c.participantId === selfId && c.decision === null);
}

export function ConsentDialog(props: { recording: Recording; onAnswer(granted: boolean): void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const textId = useId();
  const running = props.recording.status === 'RECORDING';

  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);

  return (
    <dialog
      ref={ref}
      className="consent-dialog"
      aria-labelledby={titleId}
      aria-describedby={textId}
      data-testid="consent-dialog"
      // Escape would close the modal without an answer; the question stays until it is answered.
      onCancel={(e) => e.preventDefault()}
    >
      <h2 id={titleId}>
        {running ? 'This consultation is being recorded' : 'May this consultation be recorded?'}
      </h2>
      <div id={textId}>
        <p>
          {running
            ? 'A recording is running. If you agree, your video and voice are recorded from now until the recording stops.'
            : 'The clinic asks to record this consultation. If everyone taking part agrees, the video and voice of everyone in the call are recorded until the recording is stopped.'}
        </p>
        <p>
          The recording is stored on the clinic’s server. Only the clinic’s administrators (and your
          clinician, where the clinic allows it) can open or download it, and every access is logged.
        </p>
        <p>
          {running
            ? 'If you decline, you are not recorded, but while the recording runs you cannot see or hear the others and they cannot see or hear you.'
            : 'If you decline, nothing is recorded and the consultation continues as before.'}
        </p>
      </div>
      <div className="dialog-actions">
        {/* Agree first in the DOM order but Decline is just as easy: no default is pressed for the person. */}
        <button type="button" className="primary" onClick={() => props.onAnswer(true)}>
          Agree to recording
        </button>
        <button type="button" onClick={() => props.onAnswer(false)}>
          Decline
        </button>
      </div>
    </dialog>
  );
}
