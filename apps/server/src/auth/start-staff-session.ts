import type { StaffUser } from '@consulta/protocol';
import type { FastifyReply } from 'fastify';
import { recordAudit } from '../audit/record.ts';
import type { AppContext } from '../context.ts';
import type { User } from '../db/index.ts';
import { setSessionCookie } from './cookies.ts';

/**
 * The end of every successful staff sign-in (password, password + second factor, single sign-on): a session row,
 * the audit event and the cookie.
 */
export async function startStaffSession(
  ctx: AppContext,
  user: User,
  request: { ip: string; headers: Record<string, string | string[] | undefined> },
  reply: FastifyReply,
  how: 'password' | 'second-factor' | 'sso',
): Promise<StaffUser> {
  const expiresAt = new Date(Date.now() + ctx.config.auth.sessionTtlMinutes * 60_000);
  const userAgent = request.headers['user-agent'];
  const { token, sessionId } = await ctx.sessions.start({ userId: user.id }, expiresAt, {
    ip: request.ip,
    ...(typeof userAgent === 'string' ? { userAgent } : {}),
  });
  await recordAudit(ctx.prisma, {
    action: how === 'second-factor' ? 'auth.second_factor' : how === 'sso' ? 'auth.sso' : 'auth.sign_in',
    actor: { kind: 'staff', userId: user.id },
    targetType: 'session',
    targetId: sessionId,
    ip: request.ip,
    details: { email: user.email },
  });
  setSessionCookie(reply, ctx.config, 'staff', token, expiresAt);
  return { id: user.id, email: user.email, displayName: user.displayName, role: user.role };
}
