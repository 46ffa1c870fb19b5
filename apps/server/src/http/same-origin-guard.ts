import { ErrorCode } from '@consulta/protocol';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors.ts';

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Refuses a state-changing /api request that a browser says comes from another origin (its Origin header, or
 * Sec-Fetch-Site: cross-site). Browsers send Origin on every cross-origin POST/PUT/DELETE and cannot be made to
 * forge it; non-browser clients (scripts, tests, curl) send none and are not at risk of CSRF, so they pass.
 * The origin may be the configured public URL or the Host the request came to (a proxy keeps it).
 */
export function sameOriginGuard(publicUrl: string) {
  const publicOrigin = new URL(publicUrl).origin;
  return async (request: FastifyRequest): Promise<void> => {
    if (safeMethods.has(request.method) || !request.url.startsWith('/api/')) return;
    const origin = request.headers.origin;
    const crossSite = request.headers['sec-fetch-site'] === 'cross-site';
    if (origin === undefined && !crossSite) return;
    if (
      origin !== undefined &&
      (origin === publicOrigin || hostOf(origin) === request.headers.host) &&
      !crossSite
    )
      return;
    throw new AppError(ErrorCode.Forbidden, 'Cross-site requests are not allowed');
  };
}

function hostOf(origin: string): string | null {
  try {
    return new URL(origin).host;
  } catch {
    return null;
  }
}
