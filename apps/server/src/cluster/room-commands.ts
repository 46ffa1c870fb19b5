import type { ClusterMessageOf } from '@consulta/protocol';
import type { Rooms } from '../signaling/rooms.ts';
import type { Gateway } from './gateway.ts';

type Admitted = ClusterMessageOf<'room-command'>['command'] & { op: 'admission' };

/**
 * Room operations that start outside the room (REST: admit/deny, revoke, end). One process: Rooms directly. A
 * cluster: on the node that runs the room, forwarded over the bus when that is another node.
 */
export interface RoomCommands {
  end(consultationId: string): Promise<void>;
  remove(consultationId: string, participantId: string): Promise<void>;
  admissionDecided(
    consultationId: string,
    participant: Admitted['participant'],
    decision: Admitted['decision'],
  ): Promise<void>;
}

export const localRoomCommands = (rooms: Rooms): RoomCommands => ({
  end: (id) => rooms.end(id),
  remove: (id, participantId) => rooms.remove(id, participantId),
  admissionDecided: (id, participant, decision) => rooms.admissionDecided(id, participant, decision),
});

export class ClusterRoomCommands implements RoomCommands {
  private readonly here: RoomCommands;

  constructor(
    rooms: Rooms,
    private readonly gateway: Gateway,
  ) {
    this.here = localRoomCommands(rooms);
  }

  end(consultationId: string): Promise<void> {
    return this.run({ type: 'room-command', consultationId, command: { op: 'end' } });
  }

  remove(consultationId: string, participantId: string): Promise<void> {
    return this.run({ type: 'room-command', consultationId, command: { op: 'remove', participantId } });
  }

  admissionDecided(
    consultationId: string,
    participant: Admitted['participant'],
    decision: Admitted['decision'],
  ): Promise<void> {
    const { id, displayName, role, uplinkKbps, downlinkKbps, userId } = participant;
    return this.run({
      type: 'room-command',
      consultationId,
      command: {
        op: 'admission',
        decision,
        participant: { id, displayName, role, uplinkKbps, downlinkKbps, userId },
      },
    });
  }

  /** Runs a command here if this node runs the room (or nobody does), else on its owner; also on receipt. */
  run(m: ClusterMessageOf<'room-command'>): Promise<void> {
    const id = m.consultationId;
    const c = m.command;
    return this.gateway.onOwner(
      id,
      false,
      () =>
        c.op === 'end'
          ? this.here.end(id)
          : c.op === 'remove'
            ? this.here.remove(id, c.participantId)
            : this.here.admissionDecided(id, c.participant, c.decision),
      m,
    );
  }
}
