import { ErrorCode, type SetPasswordBody } from '@consulta/protocol';
import type { FastifyReply } from 'fastify';
import { aboutUser, recordAudit } from '../audit/record.ts';
import { hashPassword } from '../auth/password.ts';
import { assertStrongPassword } from '../auth/password-policy.ts';
import { hashToken } from '../auth/tokens.ts';
import type { AppContext } from '../context.ts';
import { AppError } from '../errors.ts';
import { refuseIfLimited } from '../limits/refuse-limited.ts';

const linkInvalid = () =>
  new AppError(
    ErrorCode.LinkInvalid,
    'This link is not valid any more; ask for a new one from the sign-in page',
  );

/**
 * Sets a password from an emailed link: an invited person's first one, or a reset. The link is single-use and
 * expiring; unknown, used and expired links get the same answer. Every session of the account ends (whoever
 * knew the old password is out), and every other outstanding link of the account dies with it.
 */
export async function setPasswordFromLink(
  ctx: AppContext,
  body: SetPasswordBody,
  ip: string,
  reply: FastifyReply,
): Promise<void> {
  refuseIfLimited(await ctx.limits.accountLinks.hit(ip), reply, 'attempts');
  const row = await ctx.prisma.accountToken.findUnique({
    where: { tokenHash: hashToken(body.token) },
    include: { user: true },
  });
  if (
    !row ||
    (row.kind !== 'INVITE' && row.kind !== 'RESET') ||
    row.usedAt ||
    row.expiresAt <= new Date() ||
    row.user.deactivatedAt
  ) {
    await recordAudit(ctx.prisma, {
      action: 'auth.password_set',
      actor: { kind: 'anonymous' },
      ...aboutUser(row?.userId),
      ip,
      outcome: 'denied',
      details: { reason: !row ? 'unknown' : row.usedAt ? 'used' : 'expired-or-inactive' },
    });
    throw linkInvalid();
  }
  // Checked before the link is used up, so a refused password leaves the link working for a better one.
  assertStrongPassword(body.password, [row.user.email, row.user.displayName]);
  const passwordHash = await hashPassword(body.password);
  const now = new Date();
  const used = await ctx.prisma.accountToken.updateMany({
    where: { id: row.id, usedAt: null },
    data: { usedAt: now },
  });
  if (used.count !== 1) throw linkInvalid();
  await ctx.prisma.$transaction([
    ctx.prisma.user.update({ where: { id: row.userId }, data: { passwordHash, passwordChangedAt: now } }),
    ctx.prisma.accountToken.updateMany({
      where: { userId: row.userId, usedAt: null, kind: { in: ['INVITE', 'RESET'] } },
      data: { usedAt: now },
    }),
  ]);
  const ended = await ctx.sessions.end({ userId: row.userId }, 'password-changed');
  await recordAudit(ctx.prisma, {
    action: 'auth.password_set',
    actor: { kind: 'anonymous' },
    targetType: 'user',
    targetId: row.userId,
    ip,
    details: { via: row.kind === 'INVITE' ? 'invite' : 'reset', sessionsEnded: ended },
  });
}
