import { Routes } from '@consulta/protocol';
import type { FastifyPluginAsync } from 'fastify';
import { requireStaff } from '../auth/guards.ts';
import type { AppContext } from '../context.ts';
import { serveRoute } from '../http/serve-route.ts';
import { changePassword } from './change-password.ts';
import { confirmTwoFactor } from './two-factor-confirm.ts';
import { disableTwoFactor } from './two-factor-disable.ts';
import { setupTwoFactor } from './two-factor-setup.ts';

/** A staff member's own account: password and two-factor sign-in. */
export const accountRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  const { prisma } = ctx;
  const ok = { ok: true as const };

  serveRoute(app, Routes.getAccount, async (request) => {
    const staff = requireStaff(request);
    const user = await prisma.user.findUniqueOrThrow({ where: { id: staff.userId } });
    const recoveryCodesLeft = await prisma.recoveryCode.count({ where: { userId: user.id, usedAt: null } });
    return {
      user: { id: user.id, email: user.email, displayName: user.displayName, role: user.role },
      hasPassword: user.passwordHash !== null,
      twoFactor: user.totpEnabledAt !== null,
      recoveryCodesLeft,
    };
  });

  serveRoute(app, Routes.changePassword, async (request, reply) => {
    await changePassword(ctx, requireStaff(request), request.body, request.ip, reply);
    return ok;
  });

  serveRoute(app, Routes.setupTwoFactor, async (request) => setupTwoFactor(ctx, requireStaff(request)));

  serveRoute(app, Routes.confirmTwoFactor, async (request, reply) => ({
    recoveryCodes: await confirmTwoFactor(ctx, requireStaff(request), request.body.code, request.ip, reply),
  }));

  serveRoute(app, Routes.disableTwoFactor, async (request, reply) => {
    await disableTwoFactor(ctx, requireStaff(request), request.body.password, request.ip, reply);
    return ok;
  });
};
