import type { ForgotPasswordBody } from '@consulta/protocol';
import type { FastifyBaseLogger, FastifyReply } from 'fastify';
import { aboutUser, recordAudit } from '../audit/record.ts';
import { issueAccountToken } from '../auth/account-tokens.ts';
import type { AppContext } from '../context.ts';
import type { User } from '../db/index.ts';
import { accountLink, passwordResetEmail } from '../email/account-email.ts';
import { refuseIfLimited } from '../limits/refuse-limited.ts';

/**
 * "Forgot password": emails a single-use, expiring reset link when the address is an active staff account. The reply
 * is the same `ok` for every address, and so is its timing: the request does the same work either way (one lookup,
 * one audit row), and the token and the email, which only a real account needs, happen after the reply.
 */
export async function forgotPassword(
  ctx: AppContext,
  body: ForgotPasswordBody,
  ip: string,
  reply: FastifyReply,
  log: FastifyBaseLogger,
): Promise<void> {
  refuseIfLimited(await ctx.limits.accountLinks.hit(ip), reply, 'requests');
  const email = body.email.toLowerCase();
  const user = await ctx.prisma.user.findUnique({ where: { email } });
  const eligible = user !== null && user.deactivatedAt === null;
  await recordAudit(ctx.prisma, {
    action: 'auth.password_reset_request',
    actor: { kind: 'anonymous' },
    ...aboutUser(user?.id),
    ip,
    details: { email, sent: eligible },
  });
  // Started a moment after the reply left: the token, the email and the embedded database share this process's
  // CPU, and work begun at once would still slow the reply's delivery to a client measuring it (see the timing test).
  if (eligible) {
    reply.raw.once('finish', () =>
      ctx.background.run(() => sendResetLink(ctx, user), log, 'password reset email', 200),
    );
  }
}

async function sendResetLink(ctx: AppContext, user: User): Promise<void> {
  const { token, expiresAt } = await issueAccountToken(
    ctx.prisma,
    user.id,
    'RESET',
    ctx.config.auth.passwordResetTtlMinutes * 60_000,
  );
  await ctx.mailer.send(
    passwordResetEmail({
      to: user.email,
      name: user.displayName,
      link: accountLink(ctx.config.server.publicUrl, user.role, token),
      expiresAt,
    }),
  );
}
