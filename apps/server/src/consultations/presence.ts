import type { Topology } from '@consulta/protocol';
import { type AuditActor, recordAudit } from '../audit/record.ts';
import type { PrismaClient } from '../db/index.ts';

/** At most one write of a participant's measured bandwidth per this long (see `measured`). */
export const MEASUREMENT_WRITE_MS = 10_000;

/** Why someone is no longer in the call (the `peer-left` reason others see). */
export type DepartureReason = 'left' | 'timeout' | 'removed';

/**
 * The durable record of who was in a call and when, kept for Rooms (which stays in memory): join and leave
 * times, the consultation's status (WAITING with one person in, ACTIVE with two) and last topology, measured
 * bandwidth, and the audit events of joining and leaving.
 */
export class PresenceRecord {
  /** Per participant in a call: when its measurement was last written, and a newer one not written yet. */
  private readonly measurements = new Map<
    string,
    { writtenAt: number; pending?: { uplinkKbps: number | null; downlinkKbps: number | null } }
  >();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly now: () => number = Date.now,
  ) {}

  async entered(
    consultationId: string,
    participantId: string,
    admitted: number,
    actor: AuditActor,
    ip: string,
  ): Promise<void> {
    const now = new Date();
    await this.prisma.participant.update({
      where: { id: participantId },
      data: { joinedAt: now, leftAt: null },
    });
    await this.prisma.consultation.updateMany({
      where: { id: consultationId, status: { in: admitted >= 2 ? ['SCHEDULED', 'WAITING'] : ['SCHEDULED'] } },
      data: admitted >= 2 ? { status: 'ACTIVE', startedAt: now } : { status: 'WAITING' },
    });
    await recordAudit(this.prisma, {
      action: 'room.join',
      actor,
      targetType: 'participant',
      targetId: participantId,
      consultationId,
      ip,
    });
  }

  /**
   * A screen share started or stopped, or was refused (a role that may not share): what was shown in a call, and
   * by whom, is part of the consultation's record (docs/screen-share.md).
   */
  async screenShare(
    consultationId: string,
    participantId: string,
    sharing: boolean,
    actor: AuditActor,
    ip: string,
    outcome: 'ok' | 'denied' = 'ok',
  ): Promise<void> {
    await recordAudit(this.prisma, {
      action: sharing ? 'screen_share.start' : 'screen_share.stop',
      actor,
      targetType: 'participant',
      targetId: participantId,
      consultationId,
      ip,
      outcome,
    });
  }

  async left(consultationId: string, participantId: string, reason: DepartureReason): Promise<void> {
    const pending = this.measurements.get(participantId)?.pending;
    this.measurements.delete(participantId);
    await this.prisma.participant.update({
      where: { id: participantId },
      data: { leftAt: new Date(), ...pending },
    });
    await recordAudit(this.prisma, {
      action: 'room.leave',
      actor: { kind: 'system' },
      targetType: 'participant',
      targetId: participantId,
      consultationId,
      details: { reason },
    });
  }

  /**
   * A participant's measured bandwidth. Clients report every few seconds and a flapping or lying one as often
   * as the signaling rate limit lets it, so the database gets at most one write per participant per
   * `MEASUREMENT_WRITE_MS`; a figure reported in between is kept here and written with the next write or with
   * the leave, so the record always ends with the last figure reported.
   */
  async measured(
    participantId: string,
    uplinkKbps: number | null,
    downlinkKbps: number | null,
  ): Promise<void> {
    const last = this.measurements.get(participantId);
    const now = this.now();
    if (last && now - last.writtenAt < MEASUREMENT_WRITE_MS) {
      last.pending = { uplinkKbps, downlinkKbps };
      return;
    }
    this.measurements.set(participantId, { writtenAt: now });
    await this.prisma.participant.update({
      where: { id: participantId },
      data: { uplinkKbps, downlinkKbps },
    });
  }

  async routed(consultationId: string, topology: Topology): Promise<void> {
    await this.prisma.consultation.update({ where: { id: consultationId }, data: { topology } });
  }
}
