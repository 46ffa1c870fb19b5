import type { FastifyReply } from 'fastify';
import { verifyPassword } from '../auth/password.ts';
import type { StaffPrincipal } from '../auth/principal.ts';
import type { AppContext } from '../context.ts';
import type { User } from '../db/index.ts';
import { refuseIfLimited } from '../limits/refuse-limited.ts';

/**
 * A signed-in staff member's password, asked again before a change that a stolen or unattended session must not
 * make. Checked within the sign-in limits, so such a session cannot guess it freely: a wrong one counts as a
 * failed sign-in. The account when the password is right, null when it is wrong (the caller says so).
 */
export async function recheckPassword(
  ctx: AppContext,
  staff: StaffPrincipal,
  password: string,
  ip: string,
  reply: FastifyReply,
): Promise<User | null> {
  const verdict = await ctx.signInGuard.admit(staff.email, ip);
  refuseIfLimited(verdict, reply, 'password attempts');
  const user = await ctx.prisma.user.findUniqueOrThrow({ where: { id: staff.userId } });
  if (!user.passwordHash || !(await verifyPassword(password, user.passwordHash))) {
    await ctx.signInGuard.failed(staff.email, ip);
    return null;
  }
  await ctx.signInGuard.succeeded(staff.email, ip, verdict.token);
  return user;
}
