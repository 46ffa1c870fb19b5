// One consultation, for its clinician: the call (shared stage and chat), the waiting room, invitations.
import type { ConsultationDetail } from '@consulta/protocol';
import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from '../shared/api.ts';
import { CallChat, CallStage } from '../shared/call/CallStage.tsx';
import { useMute } from '../shared/call/useMute.ts';
import { useLocalMedia } from '../shared/media.ts';
import { ErrorText, Status } from '../shared/ui.tsx';
import { useCall } from '../shared/useCall.ts';
import { Invitations } from './Invitations.tsx';
import { InviteForm } from './InviteForm.tsx';
import { useClinicianStore } from './store.ts';
import { WaitingRoom } from './WaitingRoom.tsx';

export function ConsultView({ id }: { id: string }) {
  const [detail, setDetail] = useState<ConsultationDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const cameraId = useClinicianStore((s) => s.cameraId);
  const micId = useClinicianStore((s) => s.micId);
  const audioMuted = useClinicianStore((s) => s.audioMuted);
  const videoOff = useClinicianStore((s) => s.videoOff);
  const callState = useClinicianStore((s) => s.callState);
  const lobby = useClinicianStore((s) => s.lobby);
  const peers = useClinicianStore((s) => s.peers);
  const callError = useClinicianStore((s) => s.callError);
  const reload = useCallback(
    () =>
      api
        .getConsultation({ params: { consultationId: id } })
        .then(setDetail, (err: Error) => setError(err.message)),
    [id],
  );
  useEffect(() => {
    void reload();
  }, [reload]);
  // Someone arriving in the waiting room, admitted or removed changes the invitations' states: follow the room.
  const roomSize = peers.length + lobby.length;
  const seenRoomSize = useRef(roomSize);
  useEffect(() => {
    if (roomSize === seenRoomSize.current) return;
    seenRoomSize.current = roomSize;
    void reload();
  }, [roomSize, reload]);
  const ended = detail?.status === 'ENDED' || callState === 'ended';
  const media = useLocalMedia(cameraId, micId, !ended);
  const call = useCall(useClinicianStore, detail ? id : null, media.stream, !ended);
  useMute(media.stream, call.engine(), audioMuted, videoOff);

  // The tab names the consultation (a clinician often has several tabs open); back to the app's name after.
  const title = detail?.title;
  useEffect(() => {
    if (!title) return;
    document.title = `${title} · Consulta clinician`;
    return () => {
      document.title = 'Consulta · Clinician';
    };
  }, [title]);

  if (error) return <ErrorText error={error} />;
  if (!detail) return <Status>Loading consultation…</Status>;
  if (ended)
    return (
      <section className="card" data-testid="page-consult-ended">
        <h1>{detail.title}: consultation ended</h1>
        <p>
          <a href="#/">Back to your consultations</a>
        </p>
      </section>
    );
  const end = async () => {
    if (!confirm('End this consultation for everyone?')) return;
    try {
      await api.endConsultation({ params: { consultationId: id } });
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <div className="consult-grid" data-testid="page-consult">
      <div className="side">
        <div className="card">
          <h1>{detail.title}</h1>
          <Status>
            {callState === 'joined'
              ? peers.length === 0
                ? 'You are in the room. Nobody else yet.'
                : `In call with ${peers.map((p) => p.displayName).join(', ')}`
              : callState === 'reconnecting'
                ? 'Reconnecting…'
                : 'Connecting…'}
          </Status>
          <ErrorText error={callError ?? media.error} />
        </div>
        <CallStage store={useClinicianStore} call={call} media={media} staff>
          <button
            type="button"
            onClick={() => {
              call.leave();
              location.hash = '#/';
            }}
          >
            Leave
          </button>
          <button type="button" className="danger" onClick={end}>
            End consultation
          </button>
        </CallStage>
      </div>
      <div className="side">
        <WaitingRoom lobby={lobby} onAdmit={call.admit} onDeny={call.deny} />
        {/* Above the chat, so inviting and its confirmation fit a laptop's first screen. */}
        <InviteForm id={id} onInvited={reload} />
        <CallChat store={useClinicianStore} call={call} />
        <Invitations consultationId={id} invites={detail.invites} onChanged={reload} />
      </div>
    </div>
  );
}
