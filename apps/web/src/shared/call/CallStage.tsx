// The in-call view every app shares: recording state and consent, the route, the video tiles with quality and
// the active speaker, the call controls with device switching; and the chat panel the apps place themselves.
import { type MediaState, mayShareScreen } from '@consulta/protocol';
import { type ReactNode, useCallback, useMemo, useState } from 'react';
import type { LocalMedia } from '../media.ts';
import type { CallStore } from '../store.ts';
import type { CallControls } from '../useCall.ts';
import { ChatPanel } from './Chat.tsx';
import { awaitsAnswer, ConsentDialog } from './ConsentDialog.tsx';
import { DeviceSwitcher } from './DeviceSwitcher.tsx';
import { RecordingBadge } from './RecordingBadge.tsx';
import { Tiles } from './Tiles.tsx';
import { TopologyIndicator } from './TopologyIndicator.tsx';
import { useConnectionQuality } from './useQuality.ts';
import { useReconnecting } from './useReconnecting.ts';
import { useVideoShown } from './useVideoShown.ts';
import { mayWithdraw, WithdrawConsent } from './WithdrawConsent.tsx';

function useNames(store: CallStore): ReadonlyMap<string, string> {
  const peers = store((s) => s.peers);
  return useMemo(() => new Map(peers.map((p) => [p.id, p.displayName])), [peers]);
}

function useMediaStates(store: CallStore): ReadonlyMap<string, MediaState> {
  const peers = store((s) => s.peers);
  return useMemo(() => new Map(peers.flatMap((p) => (p.media ? [[p.id, p.media] as const] : []))), [peers]);
}

export function CallStage(props: {
  store: CallStore;
  call: CallControls;
  media: LocalMedia;
  /** Staff see the route's technical detail and connection figures; patients get plain words. */
  staff: boolean;
  /** Extra buttons for the controls bar (leave, end). */
  children?: ReactNode;
}) {
  const { store, call, media } = props;
  const remote = store((s) => s.remote);
  const screens = store((s) => s.screens);
  const sharingScreen = store((s) => s.sharingScreen);
  const plan = store((s) => s.plan);
  const selfPeer = store((s) => s.selfPeer);
  const activeSpeakerId = store((s) => s.activeSpeakerId);
  const recording = store((s) => s.recording);
  const callState = store((s) => s.callState);
  const cameraId = store((s) => s.cameraId);
  const micId = store((s) => s.micId);
  const audioMuted = store((s) => s.audioMuted);
  const videoOff = store((s) => s.videoOff);
  const setDevices = store((s) => s.setDevices);
  const names = useNames(store);
  const mediaStates = useMediaStates(store);
  const reconnecting = useReconnecting(store((s) => s.peers));
  const quality = useConnectionQuality(call, store);
  const videoShown = useVideoShown(remote);
  // Hides the question at once after an answer, before the server's update arrives.
  const [answered, setAnswered] = useState<ReadonlySet<string>>(new Set());
  const inCall = callState === 'joined' || callState === 'reconnecting';
  const selfId = selfPeer?.id ?? null;
  const onTileLayout = useCallback(
    (streamId: string, visible: boolean, width: number) =>
      call.engine()?.setTilePreference(streamId, { visible, width }),
    [call],
  );
  // A screen shows while its sender says they share it (a tree keeps an idle screen track between shares).
  const shownScreen = screens.find((s) => mediaStates.get(s.streamId)?.screenSharing) ?? null;
  const canShare =
    inCall && selfPeer !== null && mayShareScreen(selfPeer.role) && !!navigator.mediaDevices?.getDisplayMedia;
  const asking = inCall && recording && !answered.has(recording.id) && awaitsAnswer(recording, selfId);

  return (
    <div className="stage">
      <RecordingBadge recording={recording} selfId={selfId}>
        {inCall && recording && mayWithdraw(recording, selfId) && (
          <WithdrawConsent onWithdraw={() => call.withdrawRecordingConsent(recording.id)} />
        )}
      </RecordingBadge>
      {inCall && (
        <TopologyIndicator
          plan={plan}
          staff={props.staff}
          videoShown={videoShown}
          relayed={[...quality.values()].some((q) => q.reading?.viaTurn === true)}
        />
      )}
      {sharingScreen && (
        <p className="sharing-note" data-testid="sharing-note">
          You are sharing your screen with everyone in the call.
        </p>
      )}
      <Tiles
        local={media.stream}
        localLabel="You"
        selfId={selfId}
        videoOff={videoOff}
        remote={remote}
        screen={
          shownScreen && {
            stream: shownScreen.stream,
            label: `${names.get(shownScreen.streamId) ?? 'Participant'}'s screen`,
          }
        }
        names={names}
        media={mediaStates}
        reconnecting={reconnecting}
        activeSpeakerId={activeSpeakerId}
        quality={quality}
        figures={props.staff}
        onTileLayout={onTileLayout}
      />
      <div className="controls call-bar" role="toolbar" aria-label="Call controls">
        <button
          type="button"
          aria-pressed={audioMuted}
          onClick={() => setDevices({ audioMuted: !audioMuted })}
        >
          {audioMuted ? 'Unmute' : 'Mute'}
        </button>
        <button type="button" aria-pressed={videoOff} onClick={() => setDevices({ videoOff: !videoOff })}>
          {videoOff ? 'Camera on' : 'Camera off'}
        </button>
        {canShare && (
          <button
            type="button"
            aria-pressed={sharingScreen}
            onClick={() => (sharingScreen ? call.stopScreenShare() : void call.shareScreen())}
          >
            {sharingScreen ? 'Stop sharing' : 'Share screen'}
          </button>
        )}
        {props.children}
      </div>
      <DeviceSwitcher media={media} cameraId={cameraId} micId={micId} onChange={setDevices} />
      {asking && (
        <ConsentDialog
          key={recording.id}
          recording={recording}
          onAnswer={(granted) => {
            call.answerRecordingConsent(recording.id, granted);
            setAnswered(new Set([...answered, recording.id]));
          }}
        />
      )}
    </div>
  );
}

export function CallChat({ store, call }: { store: CallStore; call: CallControls }) {
  const entries = store((s) => s.chat);
  const sending = store((s) => s.chatSending);
  const selfId = store((s) => s.selfPeer?.id ?? null);
  const callState = store((s) => s.callState);
  const names = useNames(store);
  return (
    <ChatPanel
      entries={entries}
      sending={sending}
      selfId={selfId}
      names={names}
      // While reconnecting, lines wait in the engine and go once the call is back.
      canSend={callState === 'joined' || callState === 'reconnecting'}
      onSend={call.sendChat}
    />
  );
}
