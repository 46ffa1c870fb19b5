import type { FastifyReply } from 'fastify';
import type { AppConfig } from '../config/index.ts';
import { guestCookie, sessionCookie } from './principal.ts';

/** Sets the staff or guest session cookie: signed, httpOnly, SameSite=Lax, Secure on https deployments. */
export function setSessionCookie(
  reply: FastifyReply,
  config: AppConfig,
  kind: 'staff' | 'guest',
  token: string,
  expires: Date,
): void {
  void reply.setCookie(kind === 'staff' ? sessionCookie : guestCookie, token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: config.server.publicUrl.startsWith('https:'),
    signed: true,
    expires,
  });
}

export function clearSessionCookies(reply: FastifyReply): void {
  void reply.clearCookie(sessionCookie, { path: '/' }).clearCookie(guestCookie, { path: '/' });
}
