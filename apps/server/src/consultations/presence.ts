import type { Topology } from '@consulta/protocol';
import { type AuditActor, recordAudit } from '../audit/record.ts';
import type { PrismaClient } from '../db/index.ts';

/** Why someone is no longer in the call (the `peer-left` reason others see). */
export type DepartureReason = 'left' | 'timeout' | 'removed';

/**
 * The durable record of who was in a call and when, kept for Rooms (which stays in memory): join and leave
 * times, the consultation's status (WAITING with one person in, ACTIVE with two) and last topology, measured
 * bandwidth, and the audit events of joining and leaving.
 */
export class PresenceRecord {
  constructor(private readonly prisma: PrismaClient) {}

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
    await this.prisma.participant.update({ where: { id: participantId }, data: { leftAt: new Date() } });
    await recordAudit(this.prisma, {
      action: 'room.leave',
      actor: { kind: 'system' },
      targetType: 'participant',
      targetId: participantId,
      consultationId,
      details: { reason },
    });
  }

  async measured(
    participantId: string,
    uplinkKbps: number | null,
    downlinkKbps: number | null,
  ): Promise<void> {
    await this.prisma.participant.update({
      where: { id: participantId },
      data: { uplinkKbps, downlinkKbps },
    });
  }

  async routed(consultationId: string, topology: Topology): Promise<void> {
    await this.prisma.consultation.update({ where: { id: consultationId }, data: { topology } });
  }
}
