// The patient app at /join#<token>: open the invite, check camera and microphone, wait, talk, done.
import { useEffect } from 'react';
import { createRoot } from 'react-dom/client';
import { useMute } from '../shared/call/useMute.ts';
import { useLocalMedia } from '../shared/media.ts';
import { MessagePage, Status } from '../shared/ui.tsx';
import { useCall } from '../shared/useCall.ts';
import { InCall } from './InCall.tsx';
import { explainDisconnect, openFromLink } from './link.ts';
import { PreCheck } from './PreCheck.tsx';
import { DeniedPage, DisconnectedPage, EndedPage, LeftPage, LinkProblemPage } from './pages.tsx';
import { usePatientStore } from './store.ts';

function App() {
  const phase = usePatientStore((s) => s.phase);
  const setPhase = usePatientStore((s) => s.setPhase);
  useEffect(() => {
    void openFromLink();
  }, []);
  switch (phase.name) {
    case 'opening':
      return (
        <MessagePage testId="page-opening" title="Opening your invitation…">
          <Status>Checking your link.</Status>
        </MessagePage>
      );
    case 'link-problem':
      return <LinkProblemPage code={phase.code} />;
    case 'left':
      return <LeftPage onRejoin={() => setPhase({ name: 'precheck' })} />;
    case 'disconnected':
      return <DisconnectedPage onRejoin={() => setPhase({ name: 'call' })} />;
    default:
      return <Consultation />;
  }
}

/** Pre-call check, waiting room and the call share the captured media. */
function Consultation() {
  const phase = usePatientStore((s) => s.phase);
  const invite = usePatientStore((s) => s.invite);
  const cameraId = usePatientStore((s) => s.cameraId);
  const micId = usePatientStore((s) => s.micId);
  const audioMuted = usePatientStore((s) => s.audioMuted);
  const videoOff = usePatientStore((s) => s.videoOff);
  const setPhase = usePatientStore((s) => s.setPhase);
  const media = useLocalMedia(cameraId, micId);
  const inCall = phase.name === 'call';
  const call = useCall(usePatientStore, invite?.consultation.id ?? null, media.stream, inCall);
  const callState = usePatientStore((s) => s.callState);

  useMute(media.stream, call.engine(), audioMuted, videoOff);

  // Closed by the server without `denied` or `consultation-ended`: find out why.
  // The live state, not this render's: a rejoin renders once with the previous call's 'closed' before the reset.
  useEffect(() => {
    if (inCall && callState === 'closed' && usePatientStore.getState().callState === 'closed')
      void explainDisconnect();
  }, [inCall, callState]);

  // The tab says which consultation this is (a patient may have the clinic's site open beside it).
  const consultation = invite?.consultation;
  useEffect(() => {
    if (consultation) document.title = `${consultation.title} with ${consultation.clinicianName} · Consulta`;
  }, [consultation]);

  if (!invite) return null;
  const title = `${invite.consultation.title} with ${invite.consultation.clinicianName}`;

  if (inCall && callState === 'ended') return <EndedPage clinicianName={invite.consultation.clinicianName} />;
  if (inCall && callState === 'denied') return <DeniedPage />;
  if (!inCall) return <PreCheck title={title} media={media} onJoin={() => setPhase({ name: 'call' })} />;
  return (
    <InCall
      title={title}
      media={media}
      call={call}
      onLeave={() => {
        call.leave();
        usePatientStore.getState().resetCall();
        setPhase({ name: 'left' });
      }}
    />
  );
}

createRoot(document.getElementById('root')!).render(<App />);
