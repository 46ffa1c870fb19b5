import type { RoomSnapshot, SnapshotSocket } from '@consulta/protocol';
import type { Link } from '../signaling/link.ts';
import type { Member } from '../signaling/member.ts';
import { Room } from '../signaling/room.ts';

/** A room as its snapshot (`socketOf` names each connected member's socket; null counts as disconnected now). */
export function snapshotOf(
  room: Room,
  fence: number,
  socketOf: (link: Link) => SnapshotSocket | null,
): RoomSnapshot {
  const now = Date.now();
  return {
    consultationId: room.consultationId,
    fence,
    plan: room.plan,
    recording: room.recording,
    ...(room.sfuEpoch === null ? {} : { sfuEpoch: room.sfuEpoch }),
    members: [...room.members.values()].map((m) => {
      const via = m.link ? socketOf(m.link) : null;
      return {
        participantId: m.participantId,
        kind: m.kind,
        peer: via ? m.peer : { ...m.peer, connected: false },
        relayOnly: m.relayOnly,
        device: m.device,
        ...(m.receiveLossPercent === undefined ? {} : { receiveLossPercent: m.receiveLossPercent }),
        resumeTokenHash: m.resumeTokenHash,
        via,
        disconnectedAt: via ? null : (m.disconnectedAt ?? now),
      };
    }),
    lobby: [...room.lobby.values()].flatMap((w) => {
      const via = socketOf(w.link);
      return via ? [{ participantId: w.participantId, peer: w.peer, via }] : [];
    }),
  };
}

/**
 * Rebuilds a room from its snapshot; `linkOf` finds each member's socket (null: gone, so the member is
 * disconnected and waits out its grace period). The media gate is not kept: recording state goes back to its
 * service (not yet clustered).
 */
export async function roomOf(
  snapshot: RoomSnapshot,
  linkOf: (via: SnapshotSocket) => Promise<Link | null>,
): Promise<Room> {
  const room = new Room(snapshot.consultationId);
  room.plan = snapshot.plan;
  room.recording = snapshot.recording;
  room.sfuEpoch = snapshot.sfuEpoch ?? null;
  const now = Date.now();
  for (const s of snapshot.members) {
    const link = s.via ? await linkOf(s.via) : null;
    const member: Member = {
      participantId: s.participantId,
      kind: s.kind,
      peer: { ...s.peer, connected: link !== null },
      relayOnly: s.relayOnly,
      device: s.device,
      ...(s.receiveLossPercent === undefined ? {} : { receiveLossPercent: s.receiveLossPercent }),
      resumeTokenHash: s.resumeTokenHash,
      link,
      graceTimer: null,
      ...(link ? {} : { disconnectedAt: s.disconnectedAt ?? now }),
    };
    if (link)
      link.place = { state: 'joined', consultationId: room.consultationId, participantId: s.participantId };
    room.members.set(s.participantId, member);
  }
  for (const w of snapshot.lobby) {
    const link = await linkOf(w.via);
    if (!link) continue;
    link.place = { state: 'waiting', consultationId: room.consultationId, participantId: w.participantId };
    room.lobby.set(w.participantId, { participantId: w.participantId, peer: w.peer, link });
  }
  return room;
}
