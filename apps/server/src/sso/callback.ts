import { ErrorCode, SSO_ERROR_FRAGMENT, type StaffApp } from '@consulta/protocol';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { recordAudit } from '../audit/record.ts';
import { startNextSignInStep } from '../auth/second-factor-challenge.ts';
import { startStaffSession } from '../auth/start-staff-session.ts';
import type { AppContext } from '../context.ts';
import { AppError } from '../errors.ts';
import type { OidcClient } from './oidc-client.ts';
import { clearSsoCookie, consumeAttempt, cookieAttempt } from './sso-login.ts';
import { SsoRefusal, staffAccountFor } from './staff-account.ts';

class SsoFailure extends AppError {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(ErrorCode.SsoFailed, message);
  }
}

/**
 * The provider's redirect back. Every way it can go wrong ends in the app's sign-in page with the error code in the
 * fragment (the browser is mid-navigation: a JSON body would be a dead end) and an audit event with the reason.
 */
export async function ssoCallback(
  ctx: AppContext,
  client: OidcClient,
  request: FastifyRequest<{ Querystring: { code?: string; state?: string; error?: string } }>,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const { app, state: cookieState } = cookieAttempt(request);
  clearSsoCookie(reply);
  const appPath = (a: StaffApp) => `/${a}/`;
  try {
    const { state, error } = request.query;
    if (!state || !cookieState || state !== cookieState) {
      throw new SsoFailure('state-mismatch', 'This sign-in did not start in this browser; start it again');
    }
    const attempt = await consumeAttempt(ctx, state);
    if (!attempt)
      throw new SsoFailure('state-used-or-expired', 'This sign-in link was used or took too long');
    if (error)
      throw new SsoFailure(`provider:${error.slice(0, 60)}`, 'Your organisation did not sign you in');
    const rawQuery = request.url.slice(request.url.indexOf('?'));
    const identity = await client.exchange(rawQuery, { ...attempt, state }).catch((err: unknown) => {
      throw new SsoFailure(`token:${whyRefused(err)}`, 'Your organisation’s answer could not be verified');
    });
    const user = await staffAccountFor(ctx, identity, request.ip);
    const target = appPath(attempt.app === 'admin' ? 'admin' : 'clinician');
    // Unless the provider's own MFA is trusted, its sign-in stands for the password step only: the app asks for
    // the code next, or for enrolment when the clinic requires two-factor and the account has none.
    const next = ctx.config.auth.oidc.trustProviderMfa ? null : await startNextSignInStep(ctx, user, reply);
    if (next) {
      await recordAudit(ctx.prisma, {
        action: 'auth.sso',
        actor: { kind: 'staff', userId: user.id },
        targetType: 'user',
        targetId: user.id,
        ip: request.ip,
        details: { email: user.email, step: 'provider', next },
      });
      return reply.redirect(`${target}#${next}`, 302);
    }
    await startStaffSession(ctx, user, request, reply, 'sso');
    return reply.redirect(target, 302);
  } catch (err) {
    if (!(err instanceof SsoFailure || err instanceof SsoRefusal)) throw err;
    await recordAudit(ctx.prisma, {
      action: 'auth.sso',
      actor: { kind: 'anonymous' },
      targetType: 'user',
      ip: request.ip,
      outcome: err instanceof SsoRefusal ? 'denied' : 'failed',
      details: { reason: err.reason },
    });
    request.log.info({ reason: err.reason }, 'single sign-on refused');
    return reply.redirect(`${appPath(app)}#${SSO_ERROR_FRAGMENT}=${err.code}`, 302);
  }
}

/**
 * openid-client's reason in a few words for the audit: its error code and, for a claim check, which claim
 * (`OAUTH_JWT_CLAIM_COMPARISON_FAILED exp`), else its message. The detail sits in the error's cause chain.
 */
function whyRefused(err: unknown): string {
  type Chain = { code?: string; message?: string; claim?: string; cause?: Chain };
  let code: string | undefined;
  let claim: string | undefined;
  let message = String(err);
  for (
    let e = err as Chain | undefined, depth = 0;
    e && typeof e === 'object' && depth < 5;
    e = e.cause, depth++
  ) {
    code ??= e.code;
    claim ??= e.claim;
    if (e.message) message = e.message;
  }
  return (code ? [code, claim].filter(Boolean).join(' ') : message).slice(0, 200);
}
