// Withdrawing consent while a recording runs: a plain button beside the "Recording" indicator for whoever is being
// recorded, and a confirmation that says what happens (the call goes on, what was recorded stays, no way back
// into this recording), because it cannot be undone.
import type { Recording } from '@consulta/protocol';
import { useState } from 'react';
import { ModalDialog } from './ModalDialog.tsx';

/** Whether `selfId` is being recorded now, so may withdraw: the recording runs and they agreed, not withdrawn. */
export function mayWithdraw(recording: Recording | null, selfId: string | null): boolean {
  if (!recording || !selfId || recording.status !== 'RECORDING') return false;
  return recording.consents.some(
    (c) => c.participantId === selfId && c.decision === 'GRANTED' && c.withdrawnAt === null,
  );
}

export function WithdrawConsent(props: { onWithdraw(): void }) {
  const [confirming, setConfirming] = useState(false);
  return (
    <>
      <button type="button" className="withdraw-consent" onClick={() => setConfirming(true)}>
        Stop recording me
      </button>
      {confirming && (
        <WithdrawDialog
          onConfirm={() => {
            setConfirming(false);
            props.onWithdraw();
          }}
          onCancel={() => setConfirming(false)}
        />
      )}
    </>
  );
}

function WithdrawDialog(props: { onConfirm(): void; onCancel(): void }) {
  return (
    <ModalDialog
      testId="withdraw-dialog"
      title="Withdraw your consent to the recording?"
      // Escape means "no, keep things as they are".
      onEscape={props.onCancel}
      actions={
        <>
          <button type="button" className="primary" onClick={props.onConfirm}>
            Withdraw my consent
          </button>
          <button type="button" onClick={props.onCancel}>
            Keep recording me
          </button>
        </>
      }
    >
      <p>From now on your video and voice are no longer recorded. The consultation goes on as before.</p>
      <p>What was recorded before now, with your consent, is kept. Everyone in the call is told.</p>
      <p>You cannot be recorded again during this recording.</p>
    </ModalDialog>
  );
}
