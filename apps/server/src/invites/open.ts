import { ErrorCode, type OpenInviteBody, type OpenInviteReply } from '@consulta/protocol';
import type { FastifyReply } from 'fastify';
import { recordAudit } from '../audit/record.ts';
import { setSessionCookie } from '../auth/cookies.ts';
import { hashToken } from '../auth/tokens.ts';
import type { AppContext } from '../context.ts';
import { AppError } from '../errors.ts';
import { waitWords } from '../limits/index.ts';

/**
 * Exchanges an emailed token for a guest session: the guest becomes a participant waiting to be admitted.
 * Opening twice is fine (same participant), so a patient can reopen the link from another tab.
 */
export async function openInvite(
  ctx: AppContext,
  request: { body: OpenInviteBody; ip: string; headers: Record<string, string | string[] | undefined> },
  reply: FastifyReply,
): Promise<OpenInviteReply> {
  const { prisma, limits, config } = ctx;
  const verdict = await limits.inviteOpenByAddress.hit(request.ip);
  if (!verdict.ok) {
    void reply.header('retry-after', String(verdict.retryAfterSeconds));
    throw new AppError(
      ErrorCode.RateLimited,
      `Too many attempts; try again in ${waitWords(verdict.retryAfterSeconds)}`,
    );
  }
  const invite = await prisma.invite.findUnique({
    where: { tokenHash: hashToken(request.body.token) },
    include: { consultation: { include: { clinician: true } } },
  });
  const refuse = async (code: ErrorCode, message: string) => {
    await recordAudit(prisma, {
      action: 'invite.open',
      actor: { kind: 'anonymous' },
      targetType: 'invite',
      ...(invite ? { targetId: invite.id, consultationId: invite.consultationId } : {}),
      ip: request.ip,
      outcome: 'denied',
      details: { reason: code },
    });
    return new AppError(code, message);
  };
  if (!invite)
    throw await refuse(
      ErrorCode.InviteInvalid,
      'This link is not valid. Check you used the whole link from the email.',
    );
  if (invite.revokedAt)
    throw await refuse(
      ErrorCode.InviteRevoked,
      'This invitation was withdrawn. Contact your clinic for a new one.',
    );
  if (invite.consultation.status === 'ENDED')
    throw await refuse(ErrorCode.ConsultationEnded, 'This consultation has ended.');
  if (invite.expiresAt <= new Date())
    throw await refuse(ErrorCode.InviteExpired, 'This link has expired. Contact your clinic for a new one.');
  if (invite.role === 'CLINICIAN' || invite.role === 'ADMIN')
    throw new Error(`invite ${invite.id} has a staff role`);

  const now = new Date();
  const participant = await prisma.participant.upsert({
    where: { consultationId_inviteId: { consultationId: invite.consultationId, inviteId: invite.id } },
    create: {
      consultationId: invite.consultationId,
      inviteId: invite.id,
      displayName: invite.displayName,
      role: invite.role,
    },
    update: {},
  });
  await prisma.$transaction([
    prisma.invite.update({ where: { id: invite.id }, data: { openedAt: invite.openedAt ?? now } }),
    prisma.consultation.updateMany({
      where: { id: invite.consultationId, status: 'SCHEDULED' },
      data: { status: 'WAITING' },
    }),
  ]);
  await recordAudit(prisma, {
    action: 'invite.open',
    actor: { kind: 'guest', participantId: participant.id },
    targetType: 'invite',
    targetId: invite.id,
    consultationId: invite.consultationId,
    ip: request.ip,
  });
  // A session of its own for this browser (a random token, hashed at rest), ending with the invite's validity.
  const userAgent = request.headers['user-agent'];
  const { token } = await ctx.sessions.start({ participantId: participant.id }, invite.expiresAt, {
    ip: request.ip,
    ...(typeof userAgent === 'string' ? { userAgent } : {}),
  });
  setSessionCookie(reply, config, 'guest', token, invite.expiresAt);
  return {
    guest: {
      participantId: participant.id,
      consultationId: invite.consultationId,
      displayName: participant.displayName,
      role: invite.role,
      admission: participant.admission,
    },
    consultation: {
      id: invite.consultationId,
      title: invite.consultation.title,
      clinicianName: invite.consultation.clinician.displayName,
    },
  };
}
