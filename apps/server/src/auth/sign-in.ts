import { ErrorCode, type SignInBody, type StaffUser } from '@consulta/protocol';
import type { FastifyReply } from 'fastify';
import { recordAudit } from '../audit/record.ts';
import type { AppContext } from '../context.ts';
import { AppError } from '../errors.ts';
import { waitWords } from '../limits/index.ts';
import { setSessionCookie } from './cookies.ts';
import { dummyPasswordHash, verifyPassword } from './password.ts';

/** Staff sign-in with email and password, within the guessing limits (SignInGuard); starts a session. */
export async function signIn(
  ctx: AppContext,
  request: { body: SignInBody; ip: string; headers: Record<string, string | string[] | undefined> },
  reply: FastifyReply,
): Promise<StaffUser> {
  const { prisma, config, signInGuard } = ctx;
  const email = request.body.email.toLowerCase();
  const verdict = await signInGuard.admit(email, request.ip);
  if (!verdict.ok) {
    await recordAudit(prisma, {
      action: 'auth.sign_in',
      actor: { kind: 'anonymous' },
      targetType: 'user',
      ip: request.ip,
      outcome: 'denied',
      details: { email, reason: 'rate_limited', retryAfterSeconds: verdict.retryAfterSeconds },
    });
    void reply.header('retry-after', String(verdict.retryAfterSeconds));
    throw new AppError(
      ErrorCode.RateLimited,
      `Too many sign-in attempts; try again in ${waitWords(verdict.retryAfterSeconds)}`,
    );
  }
  const user = await prisma.user.findUnique({ where: { email } });
  const ok = await verifyPassword(request.body.password, user?.passwordHash ?? (await dummyPasswordHash));
  if (!user || !ok) {
    await signInGuard.failed(email, request.ip);
    await recordAudit(prisma, {
      action: 'auth.sign_in',
      actor: { kind: 'anonymous' },
      targetType: 'user',
      ...(user ? { targetId: user.id } : {}),
      ip: request.ip,
      outcome: 'failed',
      details: { email },
    });
    throw new AppError(ErrorCode.InvalidCredentials, 'Email or password is wrong');
  }
  await signInGuard.succeeded(email, request.ip);
  const expiresAt = new Date(Date.now() + config.auth.sessionTtlMinutes * 60_000);
  const userAgent = request.headers['user-agent'];
  const { token, sessionId } = await ctx.sessions.start({ userId: user.id }, expiresAt, {
    ip: request.ip,
    ...(typeof userAgent === 'string' ? { userAgent } : {}),
  });
  await recordAudit(prisma, {
    action: 'auth.sign_in',
    actor: { kind: 'staff', userId: user.id },
    targetType: 'session',
    targetId: sessionId,
    ip: request.ip,
    details: { email },
  });
  setSessionCookie(reply, config, 'staff', token, expiresAt);
  return { id: user.id, email: user.email, displayName: user.displayName, role: user.role };
}
