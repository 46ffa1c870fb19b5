import { ERASED_TEXT, erasedEmail } from '@consulta/protocol';
import { appendAudit } from '../audit/record.ts';
import type { Consultation, PrismaClient } from '../db/index.ts';

const DAY_MS = 86_400_000;

/**
 * When an ended consultation's personal data becomes due for erasure, or null (not ended, already erased).
 * Pure; a legal hold on one of its recordings is checked by the caller, which has the rows.
 */
export function eraseAfter(
  c: Pick<Consultation, 'status' | 'endedAt' | 'personalDataErasedAt'>,
  personalDataDays: number,
): Date | null {
  if (c.status !== 'ENDED' || !c.endedAt || c.personalDataErasedAt) return null;
  return new Date(c.endedAt.getTime() + personalDataDays * DAY_MS);
}

/**
 * Retention of an ended consultation's personal data: what names or reaches a person outside the clinic's staff
 * goes (the title, which clinicians often write the patient's name into; each invite's name and email; each
 * guest participant's name). What stays is the visit's record by id: who attended in which role, when, admitted
 * by whom, by which media route, what was recorded with whose consent, and the audit trail, whose events name
 * guests by participant and invite id (invite.send's details held the email until 2026-11: those older events keep
 * it, since editing a chained event is exactly what the chain exists to reveal). Staff keep their names: they are
 * the clinic's accounts, not the visit's guests.
 */
export class PersonalDataEraser {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly personalDataDays: number,
  ) {}

  /** Erases every consultation that is due and not held; returns how many. */
  async eraseDue(now: Date): Promise<number> {
    const cutoff = new Date(now.getTime() - this.personalDataDays * DAY_MS);
    const due = await this.prisma.consultation.findMany({
      where: {
        status: 'ENDED',
        endedAt: { lte: cutoff },
        personalDataErasedAt: null,
        recordings: { none: { legalHold: true } },
      },
      select: { id: true },
    });
    let erased = 0;
    for (const { id } of due) {
      if (await this.eraseOne(id, now)) erased++;
    }
    return erased;
  }

  /**
   * One consultation, in a transaction that first locks its row (several nodes may sweep at once; one does it)
   * and then re-checks that it is due and that no recording of it was put on hold meanwhile.
   */
  private eraseOne(id: string, now: Date): Promise<boolean> {
    return this.prisma.$transaction(async (tx) => {
      const [locked] = await tx.$queryRaw<{ id: string }[]>`
        SELECT "id" FROM "Consultation" WHERE "id" = ${id} FOR UPDATE`;
      if (!locked) return false;
      const c = await tx.consultation.findUniqueOrThrow({ where: { id } });
      const due = eraseAfter(c, this.personalDataDays);
      if (!due || due > now) return false;
      // Every recording row is locked, not only held ones: a hold being set right now has its row locked, and
      // this waits for it and then reads the committed flag.
      const recordings = await tx.$queryRaw<{ legalHold: boolean }[]>`
        SELECT "legalHold" FROM "Recording" WHERE "consultationId" = ${id} FOR UPDATE`;
      if (recordings.some((r) => r.legalHold)) return false;
      const invites = await tx.invite.findMany({ where: { consultationId: id }, select: { id: true } });
      for (const invite of invites) {
        await tx.invite.update({
          where: { id: invite.id },
          data: { email: erasedEmail(invite.id), displayName: ERASED_TEXT },
        });
      }
      const guests = await tx.participant.updateMany({
        where: { consultationId: id, userId: null },
        data: { displayName: ERASED_TEXT },
      });
      await tx.consultation.update({
        where: { id },
        data: { title: ERASED_TEXT, personalDataErasedAt: now },
      });
      await appendAudit(tx, {
        action: 'consultation.erase_personal_data',
        actor: { kind: 'system', id: 'retention' },
        targetType: 'consultation',
        targetId: id,
        consultationId: id,
        details: {
          reason: 'retention',
          personalDataDays: this.personalDataDays,
          endedAt: c.endedAt?.toISOString() ?? null,
          dueAt: due.toISOString(),
          invites: invites.length,
          guests: guests.count,
        },
      });
      return true;
    });
  }
}
