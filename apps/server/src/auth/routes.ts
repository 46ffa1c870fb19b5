import { Routes } from '@consulta/protocol';
import type { FastifyPluginAsync } from 'fastify';
import { forgotPassword } from '../account/forgot-password.ts';
import { setPasswordFromLink } from '../account/set-password.ts';
import { recordAudit } from '../audit/record.ts';
import type { AppContext } from '../context.ts';
import { serveRoute } from '../http/serve-route.ts';
import { registerSsoRoutes } from '../sso/routes.ts';
import { clearSessionCookies } from './cookies.ts';
import { finishEnrolment, startEnrolment } from './enrolment-sign-in.ts';
import { requirePrincipal } from './guards.ts';
import { signInSecondFactor } from './second-factor.ts';
import { signIn } from './sign-in.ts';

export const authRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  const { prisma } = ctx;

  serveRoute(app, Routes.signIn, (request, reply) => signIn(ctx, request, reply));
  serveRoute(app, Routes.signInSecondFactor, (request, reply) => signInSecondFactor(ctx, request, reply));
  serveRoute(app, Routes.signInEnrolment, (request) => startEnrolment(ctx, request));
  serveRoute(app, Routes.signInEnrolmentConfirm, (request, reply) => finishEnrolment(ctx, request, reply));
  registerSsoRoutes(app, ctx);

  serveRoute(app, Routes.forgotPassword, async (request, reply) => {
    await forgotPassword(ctx, request.body, request.ip, reply, request.log);
    return { ok: true as const };
  });

  serveRoute(app, Routes.setPassword, async (request, reply) => {
    await setPasswordFromLink(ctx, request.body, request.ip, reply);
    return { ok: true as const };
  });

  serveRoute(app, Routes.signOut, async (request, reply) => {
    const p = requirePrincipal(request);
    // Staff and guests alike: the session ends in the database and every socket of it closes now.
    await ctx.sessions.end({ sessionId: p.sessionId }, 'signed-out');
    await recordAudit(prisma, {
      action: 'auth.sign_out',
      actor: p,
      targetType: 'session',
      targetId: p.sessionId,
      ...(p.kind === 'guest' ? { consultationId: p.consultationId } : {}),
      ip: request.ip,
    });
    clearSessionCookies(reply);
    return { ok: true as const };
  });

  serveRoute(app, Routes.me, async (request) => {
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
  });
};
