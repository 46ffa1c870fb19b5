import type { StaffApp } from '@consulta/protocol';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { hashToken } from '../auth/tokens.ts';
import type { AppContext } from '../context.ts';

/**
 * The state of one sign-in through the provider. The browser carries the state twice: in the provider's redirect
 * back (query) and in a signed httpOnly cookie of its own, so a callback URL planted in someone else's browser (login
 * CSRF) does not match. The database keeps the state's hash with the PKCE verifier and the nonce, and marks it used
 * by a conditional update, so a state works once even when two callbacks race or a URL is replayed.
 */
export const ssoCookie = 'consulta_sso';
const cookiePath = '/api/auth/sso';

export async function rememberAttempt(
  ctx: AppContext,
  reply: FastifyReply,
  app: StaffApp,
  attempt: { state: string; nonce: string; codeVerifier: string },
): Promise<void> {
  const ttl = ctx.config.auth.oidc.stateTtlSeconds;
  await ctx.prisma.ssoLogin.create({
    data: {
      stateHash: hashToken(attempt.state),
      codeVerifier: attempt.codeVerifier,
      nonce: attempt.nonce,
      app,
      expiresAt: new Date(Date.now() + ttl * 1000),
    },
  });
  // Lax, not Strict: the provider's redirect back is a cross-site top-level navigation, which Lax lets through.
  void reply.setCookie(ssoCookie, `${app}.${attempt.state}`, {
    path: cookiePath,
    httpOnly: true,
    sameSite: 'lax',
    secure: ctx.config.server.publicUrl.startsWith('https:'),
    signed: true,
    maxAge: ttl,
  });
}

/** The app this browser started from (to return it there even on failure), and the state its cookie holds. */
export function cookieAttempt(request: FastifyRequest): { app: StaffApp; state: string | null } {
  const raw = request.cookies[ssoCookie];
  const unsigned = raw ? request.unsignCookie(raw) : null;
  const value = unsigned?.valid ? (unsigned.value ?? '') : '';
  const dot = value.indexOf('.');
  const app = value.slice(0, dot) === 'admin' ? 'admin' : 'clinician';
  return { app, state: dot > 0 ? value.slice(dot + 1) : null };
}

/** Uses the state up: its verifier and nonce, or null when it is unknown, used or expired. */
export async function consumeAttempt(ctx: AppContext, state: string) {
  const stateHash = hashToken(state);
  const now = new Date();
  const { count } = await ctx.prisma.ssoLogin.updateMany({
    where: { stateHash, usedAt: null, expiresAt: { gt: now } },
    data: { usedAt: now },
  });
  if (count !== 1) return null;
  return ctx.prisma.ssoLogin.findUnique({ where: { stateHash } });
}

export function clearSsoCookie(reply: FastifyReply): void {
  void reply.clearCookie(ssoCookie, { path: cookiePath });
}
