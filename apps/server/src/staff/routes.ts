import { Routes } from '@consulta/protocol';
import type { FastifyPluginAsync } from 'fastify';
import { recordAudit } from '../audit/record.ts';
import { requireStaff } from '../auth/guards.ts';
import { readSignInSettings, updateSignInSettings } from '../auth/sign-in-settings.ts';
import type { AppContext } from '../context.ts';
import { serveRoute } from '../http/serve-route.ts';
import { changeStaffRole } from './change-role.ts';
import { deactivateStaff } from './deactivate.ts';
import { staffUserOr404 } from './find.ts';
import { inviteStaff } from './invite.ts';
import { reactivateStaff } from './reactivate.ts';
import { staffMemberView } from './view.ts';

/** Staff management, for admins only (enforced here, on every route). */
export const staffRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  const { prisma } = ctx;

  serveRoute(app, Routes.listStaff, async (request) => {
    requireStaff(request, 'ADMIN');
    const users = await prisma.user.findMany({ orderBy: [{ displayName: 'asc' }, { email: 'asc' }] });
    return { staff: users.map(staffMemberView) };
  });

  serveRoute(app, Routes.getSignInSettings, async (request) => {
    requireStaff(request, 'ADMIN');
    return readSignInSettings(prisma);
  });

  serveRoute(app, Routes.updateSignInSettings, async (request) =>
    updateSignInSettings(prisma, requireStaff(request, 'ADMIN'), request.body, request.ip),
  );

  serveRoute(app, Routes.inviteStaff, async (request) =>
    inviteStaff(ctx, requireStaff(request, 'ADMIN'), request.body, request.ip),
  );

  serveRoute(app, Routes.deactivateStaff, async (request) =>
    deactivateStaff(ctx, requireStaff(request, 'ADMIN'), request.params.userId, request.ip),
  );

  serveRoute(app, Routes.reactivateStaff, async (request) =>
    reactivateStaff(ctx, requireStaff(request, 'ADMIN'), request.params.userId, request.ip),
  );

  serveRoute(app, Routes.changeStaffRole, async (request) =>
    changeStaffRole(
      ctx,
      requireStaff(request, 'ADMIN'),
      request.params.userId,
      request.body.role,
      request.ip,
    ),
  );

  serveRoute(app, Routes.listStaffSessions, async (request) => {
    requireStaff(request, 'ADMIN');
    const user = await staffUserOr404(prisma, request.params.userId);
    const rows = await prisma.session.findMany({
      where: { userId: user.id, endedAt: null, expiresAt: { gt: new Date() } },
      orderBy: { createdAt: 'desc' },
    });
    return {
      sessions: rows.map((s) => ({
        id: s.id,
        createdAt: s.createdAt.toISOString(),
        expiresAt: s.expiresAt.toISOString(),
        ip: s.ip,
        userAgent: s.userAgent,
      })),
    };
  });

  serveRoute(app, Routes.revokeStaffSessions, async (request) => {
    const admin = requireStaff(request, 'ADMIN');
    const user = await staffUserOr404(prisma, request.params.userId);
    const ended = await ctx.sessions.end({ userId: user.id }, 'revoked-by-admin');
    await recordAudit(prisma, {
      action: 'staff.sessions_revoke',
      actor: admin,
      targetType: 'user',
      targetId: user.id,
      ip: request.ip,
      details: { email: user.email, sessionsEnded: ended },
    });
    return { ended };
  });
};
