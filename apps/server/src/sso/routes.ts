import { ErrorCode, Routes } from '@consulta/protocol';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.ts';
import { AppError } from '../errors.ts';
import { serveRoute } from '../http/serve-route.ts';
import { ssoCallback } from './callback.ts';
import { OidcClient } from './oidc-client.ts';
import { rememberAttempt } from './sso-login.ts';

/** Single sign-on (OpenID Connect, code flow with PKCE) and what the sign-in pages offer. */
export function registerSsoRoutes(app: FastifyInstance, ctx: AppContext): void {
  const settings = ctx.config.auth.oidc;
  const redirectUrl = settings.redirectUrl ?? `${ctx.config.server.publicUrl}${Routes.ssoCallback.path}`;
  const client = settings.enabled ? new OidcClient(settings, redirectUrl) : null;
  const unavailable = () =>
    new AppError(ErrorCode.SsoUnavailable, 'Single sign-on is not set up on this server');

  serveRoute(app, Routes.signInOptions, async () => ({
    sso: client ? { label: settings.buttonLabel } : null,
  }));

  serveRoute(app, Routes.ssoStart, async (request, reply) => {
    if (!client) throw unavailable();
    const attempt = OidcClient.newAttempt();
    let url: URL;
    try {
      url = await client.authorizationUrl(attempt);
    } catch (err) {
      request.log.error({ err }, 'the OpenID provider’s metadata could not be read');
      throw new AppError(ErrorCode.SsoUnavailable, 'Your organisation’s sign-in cannot be reached just now');
    }
    await rememberAttempt(ctx, reply, request.query.app, attempt);
    return reply.redirect(url.href, 302);
  });

  serveRoute(app, Routes.ssoCallback, async (request, reply) => {
    if (!client) throw unavailable();
    return ssoCallback(ctx, client, request, reply);
  });
}
