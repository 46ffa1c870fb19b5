import type { AdmissionDecision, VisitExport } from '@consulta/protocol';
import { chainKeyFor, GENESIS_HASH } from '../audit/chain.ts';
import { verifyChain } from '../audit/verify.ts';
import { consultationView, inviteView, participantView } from '../consultations/views.ts';
import type { PrismaClient } from '../db/index.ts';
import { recordingInclude, recordingView } from '../recording/views.ts';
import { spanView } from './media-path-log.ts';

/**
 * Builds the visit export of one consultation from the database as it is now: one read per table, the media-path
 * record, and the consultation's audit chain verified on the way (so the document says whether the events it
 * carries are intact). Returns null when there is no such consultation.
 */
export async function buildVisitExport(
  prisma: PrismaClient,
  consultationId: string,
  exportedBy: { id: string; displayName: string },
): Promise<VisitExport | null> {
  const consultation = await prisma.consultation.findUnique({
    where: { id: consultationId },
    include: { clinician: true },
  });
  if (!consultation) return null;
  const [participants, invites, spans, recordings, events] = await Promise.all([
    prisma.participant.findMany({
      where: { consultationId },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    }),
    prisma.invite.findMany({ where: { consultationId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] }),
    prisma.mediaPathSpan.findMany({
      where: { consultationId },
      orderBy: [{ startedAt: 'asc' }, { id: 'asc' }],
    }),
    prisma.recording.findMany({
      where: { consultationId },
      include: recordingInclude,
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    }),
    // Chain order first; events from before the chain (null seq) by time.
    prisma.auditEvent.findMany({
      where: { consultationId },
      orderBy: [{ seq: { sort: 'asc', nulls: 'first' } }, { at: 'asc' }, { id: 'asc' }],
    }),
  ]);
  const chainKey = chainKeyFor(consultationId, new Date());
  const head = await prisma.auditChainHead.findUnique({ where: { chainKey } });
  const verified = await verifyChain(prisma, chainKey, head);
  const admissions: AdmissionDecision[] = events
    .filter((e) => e.action === 'participant.admit' || e.action === 'participant.deny')
    .flatMap((e) =>
      e.targetId
        ? [
            {
              participantId: e.targetId,
              decision: e.action === 'participant.admit' ? ('ADMITTED' as const) : ('DENIED' as const),
              at: e.at.toISOString(),
              byStaffId: e.actorType === 'staff' ? e.actorId : null,
            },
          ]
        : [],
    );
  return {
    format: 'consulta-visit-export',
    version: 1,
    exportedAt: new Date().toISOString(),
    exportedBy,
    consultation: consultationView(consultation),
    participants: participants.map(participantView),
    // Staff never hold invites; a staff-role invite is refused at creation, so every row here is a guest's.
    invites: invites.map(inviteView),
    admissions,
    mediaPaths: spans.map(spanView),
    recordings: recordings.map((r) => recordingView(r)),
    auditEvents: events.map((e) => ({ ...e, at: e.at.toISOString(), details: e.details ?? null })),
    auditChain: {
      chainKey,
      headSeq: head?.seq ?? 0,
      headHash: head?.hash ?? GENESIS_HASH,
      ok: verified.broken === null,
      firstBroken: verified.broken,
    },
  };
}
