import { ErrorBody, ErrorCode, Me, Ok, SignInBody, StaffUser } from '@consulta/protocol';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { recordAudit } from '../audit/record.ts';
import type { AppContext } from '../context.ts';
import { AppError } from '../errors.ts';
import { requirePrincipal } from './guards.ts';
import { dummyPasswordHash, verifyPassword } from './password.ts';
import { guestCookie, sessionCookie } from './principal.ts';
import { hashToken, newToken } from './tokens.ts';

export const authRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  const { prisma, config, limits } = ctx;

  app.post(
    '/api/auth/sign-in',
    { schema: { tags: ['auth'], body: SignInBody, response: { 200: StaffUser, '4xx': ErrorBody } } },
    async (request, reply) => {
      const email = request.body.email.toLowerCase();
      // Counted per address and per account, so neither one address nor a botnet on one account can guess freely.
      const byAddress = limits.signInByAddress.hit(request.ip);
      const byAccount = limits.signInByAccount.hit(email);
      if (!byAddress || !byAccount) {
        await recordAudit(prisma, {
          action: 'auth.sign_in',
          actor: { kind: 'anonymous' },
          targetType: 'user',
          ip: request.ip,
          outcome: 'denied',
          details: { email, reason: 'rate_limited' },
        });
        const wait = Math.max(
          limits.signInByAddress.retryAfterSeconds(request.ip),
          limits.signInByAccount.retryAfterSeconds(email),
        );
        void reply.header('retry-after', String(wait));
        throw new AppError(ErrorCode.RateLimited, `Too many sign-in attempts; try again in ${wait} s`);
      }
      const user = await prisma.user.findUnique({ where: { email } });
      const ok = await verifyPassword(request.body.password, user?.passwordHash ?? (await dummyPasswordHash));
      if (!user || !ok) {
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
      const token = newToken();
      const expiresAt = new Date(Date.now() + config.auth.sessionTtlMinutes * 60_000);
      const session = await prisma.session.create({
        data: { tokenHash: hashToken(token), userId: user.id, expiresAt },
      });
      await recordAudit(prisma, {
        action: 'auth.sign_in',
        actor: {
          kind: 'staff',
          userId: user.id,
          email: user.email,
          displayName: user.displayName,
          role: user.role,
          sessionId: session.id,
        },
        targetType: 'session',
        targetId: session.id,
        ip: request.ip,
        details: { email },
      });
      void reply.setCookie(sessionCookie, token, {
        path: '/',
        httpOnly: true,
        sameSite: 'lax',
        secure: config.server.publicUrl.startsWith('https:'),
        signed: true,
        expires: expiresAt,
      });
      return { id: user.id, email: user.email, displayName: user.displayName, role: user.role };
    },
  );

  app.post(
    '/api/auth/sign-out',
    { schema: { tags: ['auth'], response: { 200: Ok, '4xx': ErrorBody } } },
    async (request, reply) => {
      const p = requirePrincipal(request);
      if (p.kind === 'staff') {
        await prisma.session.delete({ where: { id: p.sessionId } });
        await recordAudit(prisma, {
          action: 'auth.sign_out',
          actor: p,
          targetType: 'session',
          targetId: p.sessionId,
          ip: request.ip,
        });
      }
      void reply.clearCookie(sessionCookie, { path: '/' }).clearCookie(guestCookie, { path: '/' });
      return { ok: true as const };
    },
  );

  app.get(
    '/api/auth/me',
    { schema: { tags: ['auth'], response: { 200: Me, '4xx': ErrorBody } } },
    async (request) => {
      const p = requirePrincipal(request);
      if (p.kind === 'staff') {
        return {
          kind: 'staff' as const,
          user: { id: p.userId, email: p.email, displayName: p.displayName, role: p.role },
        };
      }
      const row = await prisma.participant.findUniqueOrThrow({ where: { id: p.participantId } });
      return {
        kind: 'guest' as const,
        guest: {
          participantId: p.participantId,
          consultationId: p.consultationId,
          displayName: p.displayName,
          role: p.role,
          admission: row.admission,
        },
      };
    },
  );
};
