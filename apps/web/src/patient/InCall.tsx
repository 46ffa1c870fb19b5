// The patient's call: the waiting room until admitted, then the shared stage and the chat.
import { CallChat, CallStage } from '../shared/call/CallStage.tsx';
import type { LocalMedia } from '../shared/media.ts';
import { ErrorText, Shell, Status } from '../shared/ui.tsx';
import type { CallControls } from '../shared/useCall.ts';
import { usePatientStore } from './store.ts';

export function InCall(props: { title: string; media: LocalMedia; call: CallControls; onLeave(): void }) {
  const callState = usePatientStore((s) => s.callState);
  const callError = usePatientStore((s) => s.callError);
  const peers = usePatientStore((s) => s.peers);
  const waiting = callState !== 'joined' && callState !== 'reconnecting';
  return (
    <Shell title={props.title}>
      {waiting ? (
        <section className="card" data-testid="page-waiting">
          <h1>Waiting for your clinician</h1>
          <Status>
            {callState === 'waiting'
              ? 'You are in the waiting room. Your clinician will let you in shortly.'
              : 'Connecting…'}
          </Status>
        </section>
      ) : (
        <Status>
          {callState === 'reconnecting'
            ? 'Connection lost, reconnecting…'
            : peers.length === 0
              ? 'You are in the consultation. Waiting for others to join.'
              : `In consultation with ${peers.map((p) => p.displayName).join(', ')}`}
        </Status>
      )}
      <ErrorText error={callError ?? props.media.error} />
      <div className="call-layout" data-testid={waiting ? undefined : 'page-in-call'}>
        <CallStage store={usePatientStore} call={props.call} media={props.media} staff={false}>
          <button type="button" className="danger" onClick={props.onLeave}>
            Leave
          </button>
        </CallStage>
        {!waiting && <CallChat store={usePatientStore} call={props.call} />}
      </div>
    </Shell>
  );
}
