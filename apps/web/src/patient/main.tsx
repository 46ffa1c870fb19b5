// The patient app at /join#<token>: open the invite, check camera and microphone, wait, talk, done.
import { useEffect } from 'react';
import { createRoot } from 'react-dom/client';
import { ApiError, api } from '../shared/api.ts';
import { setTracksEnabled, useLocalMedia, useMicLevel } from '../shared/media.ts';
import {
  CallControlsBar,
  DevicePicker,
  ErrorText,
  LevelMeter,
  MessagePage,
  Shell,
  Status,
  Tiles,
  VideoTile,
} from '../shared/ui.tsx';
import { useCall } from '../shared/useCall.ts';
import { type LinkProblem, usePatientStore } from './store.ts';

const LINK_PROBLEMS: Record<LinkProblem | 'NETWORK', { title: string; text: string }> = {
  INVITE_INVALID: {
    title: 'This link does not work',
    text: 'The link is not valid. Check that you opened the whole link from your invitation email, or ask your clinic for a new one.',
  },
  INVITE_EXPIRED: {
    title: 'This link has expired',
    text: 'Invitation links are only valid for a limited time. Please ask your clinic to send you a new one.',
  },
  INVITE_REVOKED: {
    title: 'This invitation was withdrawn',
    text: 'Your clinic has cancelled this invitation. If you think this is a mistake, please contact them.',
  },
  CONSULTATION_ENDED: {
    title: 'This consultation has ended',
    text: 'The consultation this link was for is over. Thank you.',
  },
  NETWORK: {
    title: 'Cannot reach the service',
    text: 'Check your internet connection and reload this page.',
  },
};

async function openFromLink(): Promise<void> {
  const { setPhase, setInvite } = usePatientStore.getState();
  const token = location.hash.replace(/^#/, '');
  // The token must not linger in the address bar or history once used.
  if (token) history.replaceState(null, '', location.pathname);
  if (!token || !/^[A-Za-z0-9_-]{22,128}$/.test(token)) {
    setPhase({ name: 'link-problem', code: 'INVITE_INVALID' });
    return;
  }
  try {
    setInvite(await api.openInvite(token));
    setPhase({ name: 'precheck' });
  } catch (err) {
    const code = err instanceof ApiError ? err.code : 'NETWORK';
    setPhase({
      name: 'link-problem',
      code: code in LINK_PROBLEMS ? (code as LinkProblem | 'NETWORK') : 'INVITE_INVALID',
    });
  }
}

function App() {
  const phase = usePatientStore((s) => s.phase);
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
    case 'link-problem': {
      const p = LINK_PROBLEMS[phase.code];
      return (
        <MessagePage
          testId={`page-${phase.code.toLowerCase().replace(/_/g, '-')}`}
          title={p.title}
          tone="error"
        >
          <p>{p.text}</p>
        </MessagePage>
      );
    }
    case 'left':
      return (
        <MessagePage testId="page-left" title="You left the consultation">
          <p>You can close this page.</p>
          <button
            type="button"
            className="primary"
            onClick={() => usePatientStore.getState().setPhase({ name: 'precheck' })}
          >
            Rejoin
          </button>
        </MessagePage>
      );
    default:
      return <Consultation />;
  }
}

/** Pre-call check, waiting room and the call share the captured media. */
function Consultation() {
  const phase = usePatientStore((s) => s.phase);
  const invite = usePatientStore((s) => s.invite);
  const { cameraId, micId, audioMuted, videoOff, setDevices, setPhase } = usePatientStore();
  const media = useLocalMedia(cameraId, micId);
  const inCall = phase.name === 'call';
  const call = useCall(usePatientStore, invite?.consultation.id ?? null, media.stream, inCall);
  const callState = usePatientStore((s) => s.callState);
  const callError = usePatientStore((s) => s.callError);

  useEffect(() => {
    setTracksEnabled(media.stream, 'audio', !audioMuted);
    setTracksEnabled(media.stream, 'video', !videoOff);
  }, [media.stream, audioMuted, videoOff]);

  if (!invite) return null;
  const title = `${invite.consultation.title} with ${invite.consultation.clinicianName}`;

  if (inCall && callState === 'ended')
    return (
      <MessagePage testId="page-ended" title="The consultation has ended">
        <p>
          Thank you. {invite.consultation.clinicianName} has ended the consultation; you can close this page.
        </p>
      </MessagePage>
    );
  if (inCall && callState === 'denied')
    return (
      <MessagePage testId="page-denied" title="You were not admitted" tone="error">
        <p>
          The clinician did not admit you to this consultation. If you think this is a mistake, please contact
          your clinic.
        </p>
      </MessagePage>
    );

  if (!inCall) return <PreCheck title={title} media={media} onJoin={() => setPhase({ name: 'call' })} />;

  return (
    <InCall
      title={title}
      media={media.stream}
      callState={callState}
      callError={callError}
      audioMuted={audioMuted}
      videoOff={videoOff}
      onToggleAudio={() => setDevices({ audioMuted: !audioMuted })}
      onToggleVideo={() => setDevices({ videoOff: !videoOff })}
      onLeave={() => {
        call.leave();
        setPhase({ name: 'left' });
      }}
    />
  );
}

function PreCheck(props: { title: string; media: ReturnType<typeof useLocalMedia>; onJoin(): void }) {
  const { cameraId, micId, setDevices } = usePatientStore();
  const invite = usePatientStore((s) => s.invite);
  const level = useMicLevel(props.media.stream);
  return (
    <Shell title={props.title}>
      <section className="card" data-testid="page-precheck" aria-labelledby="precheck-heading">
        <h1 id="precheck-heading">
          Hello {invite?.guest.displayName}, let’s check your camera and microphone
        </h1>
        <div className="precheck">
          <VideoTile stream={props.media.stream} label="Your camera" local testId="preview-tile" />
          <div className="form">
            <ErrorText error={props.media.error} />
            {!props.media.stream && !props.media.error && (
              <Status>Asking for your camera and microphone…</Status>
            )}
            <LevelMeter level={level} />
            <DevicePicker
              label="Camera"
              devices={props.media.cameras}
              value={cameraId}
              onChange={(id) => setDevices({ cameraId: id })}
            />
            <DevicePicker
              label="Microphone"
              devices={props.media.mics}
              value={micId}
              onChange={(id) => setDevices({ micId: id })}
            />
            <button type="button" className="primary" disabled={!props.media.stream} onClick={props.onJoin}>
              Join consultation
            </button>
          </div>
        </div>
      </section>
    </Shell>
  );
}

function InCall(props: {
  title: string;
  media: MediaStream | null;
  callState: string;
  callError: string | null;
  audioMuted: boolean;
  videoOff: boolean;
  onToggleAudio(): void;
  onToggleVideo(): void;
  onLeave(): void;
}) {
  const remote = usePatientStore((s) => s.remote);
  const peers = usePatientStore((s) => s.peers);
  const names = new Map(peers.map((p) => [p.id, p.displayName]));
  const waiting = props.callState !== 'joined' && props.callState !== 'reconnecting';
  return (
    <Shell title={props.title}>
      {waiting ? (
        <section className="card" data-testid="page-waiting">
          <h1>Waiting for your clinician</h1>
          <Status>
            {props.callState === 'waiting'
              ? 'You are in the waiting room. Your clinician will let you in shortly.'
              : 'Connecting…'}
          </Status>
        </section>
      ) : (
        <Status>
          {props.callState === 'reconnecting'
            ? 'Connection lost, reconnecting…'
            : peers.length === 0
              ? 'You are in the consultation. Waiting for others to join.'
              : `In consultation with ${peers.map((p) => p.displayName).join(', ')}`}
        </Status>
      )}
      <ErrorText error={props.callError} />
      <div data-testid={waiting ? undefined : 'page-in-call'}>
        <Tiles local={props.media} localLabel="You" videoOff={props.videoOff} remote={remote} names={names} />
      </div>
      <CallControlsBar
        audioMuted={props.audioMuted}
        videoOff={props.videoOff}
        onToggleAudio={props.onToggleAudio}
        onToggleVideo={props.onToggleVideo}
      >
        <button type="button" className="danger" onClick={props.onLeave}>
          Leave
        </button>
      </CallControlsBar>
    </Shell>
  );
}

createRoot(document.getElementById('root')!).render(<App />);
