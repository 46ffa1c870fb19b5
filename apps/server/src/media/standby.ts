import type { FastifyBaseLogger } from 'fastify';
import type { Room } from '../signaling/room.ts';
import type { MediaRoom } from './media-room.ts';

/**
 * How long a standby outlives the warning that asked for it. A guest who leaves the waiting room and knocks again
 * (or several in turn) would otherwise make every member rebuild its SFU session each time; within this window
 * the standby is kept and reused, so members rebuild at most once per window whatever a guest does.
 */
const RELEASE_MS = 5000;

export interface StandbyHost {
  /** The consultation's SFU room, if it has one. */
  room(consultationId: string): MediaRoom | undefined;
  /** Creates the consultation's SFU room in standby (or returns the one being created). */
  open(room: Room): Promise<MediaRoom>;
  /** Whether the workers have room for a standby. */
  hasCapacity(): boolean;
  log: FastifyBaseLogger;
}

/** Whether the room should hold a warm standby: its waiting guests' admission is foreseen to need the SFU. */
function wanted(room: Room): boolean {
  return room.foreseen === 'sfu' && room.plan.topology !== 'sfu';
}

/**
 * Warm standby (docs/routing.md): while the room is off the SFU and the policy foresees that admitting its waiting
 * guests takes it there, the SFU room exists in standby and every connected member builds its path (`sfu-session`
 * with `standby`); when the foresight passes (denied, left the lobby, or admitted into another topology), it is
 * released RELEASE_MS later unless it comes back. Only members already in the call take part: a waiting guest
 * learns nothing of the SFU. The move onto the SFU itself is MediaService.planChanged's (MediaRoom.activate).
 */
export class SfuStandby {
  /** Standby rooms whose warning passed, by consultation: released when RELEASE_MS runs out. */
  private readonly releasing = new Map<string, NodeJS.Timeout>();

  constructor(private readonly host: StandbyHost) {}

  /**
   * The room's foresight changed. Returns at once: the room's turn (a guest's knock) does not wait for a router
   * to be created, so a report or an admission right behind it is not held up; `open` checks again once it exists.
   */
  foreseen(room: Room): void {
    const existing = this.host.room(room.consultationId);
    if (!wanted(room)) {
      if (existing?.standby) this.releaseSoon(existing);
      return;
    }
    this.keep(room.consultationId);
    // On the SFU or still draining off it: that room serves as it is.
    if (existing && !existing.standby) return;
    if (!existing && !this.host.hasCapacity()) {
      this.host.log.info({ consultationId: room.consultationId }, 'no SFU standby: every worker is loaded');
      return;
    }
    void this.open(room, existing).catch((err) =>
      this.host.log.error(
        { err, consultationId: room.consultationId },
        'could not open the SFU room in standby',
      ),
    );
  }

  /** A member joined or resumed while the room is off the SFU: it builds the standby too (again after a resume). */
  memberJoined(room: Room, participantId: string, resumed: boolean): void {
    const media = this.host.room(room.consultationId);
    if (media?.standby && (resumed || !media.announced.has(participantId))) media.announce(participantId);
  }

  /** The warning holds again, or the room is moving onto its standby: no release is pending. */
  keep(consultationId: string): void {
    const timer = this.releasing.get(consultationId);
    if (timer) clearTimeout(timer);
    this.releasing.delete(consultationId);
  }

  close(): void {
    for (const timer of this.releasing.values()) clearTimeout(timer);
    this.releasing.clear();
  }

  private async open(room: Room, existing: MediaRoom | undefined): Promise<void> {
    const media = existing ?? (await this.host.open(room));
    // Activated meanwhile (the admission's plan moved onto it), or a room that was no standby.
    if (!media.standby) return;
    if (!wanted(room)) {
      // The admission's plan moved onto the SFU while the router was being created: planChanged activates this
      // very room (releasing it here closed it under the activation, and the call went on a later epoch with
      // members holding the dead one). Otherwise the guest left or was denied meanwhile: the usual window.
      if (room.plan.topology !== 'sfu') this.releaseSoon(media);
      return;
    }
    if (!existing)
      this.host.log.info({ consultationId: room.consultationId }, 'SFU standby for a waiting guest');
    for (const m of room.members.values()) {
      if (m.link && !media.announced.has(m.participantId)) media.announce(m.participantId);
    }
  }

  private release(media: MediaRoom): void {
    this.keep(media.consultationId);
    media.endStandby();
    this.host.log.info({ consultationId: media.consultationId }, 'SFU standby released');
  }

  private releaseSoon(media: MediaRoom): void {
    const id = media.consultationId;
    if (this.releasing.has(id)) return;
    const timer = setTimeout(() => {
      this.releasing.delete(id);
      if (this.host.room(id) === media && media.standby && !wanted(media.room)) this.release(media);
    }, RELEASE_MS);
    timer.unref();
    this.releasing.set(id, timer);
  }
}
