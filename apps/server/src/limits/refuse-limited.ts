import { ErrorCode } from '@consulta/protocol';
import type { FastifyReply } from 'fastify';
import { AppError } from '../errors.ts';
import type { LimitVerdict } from './sliding-limit.ts';
import { waitWords } from './wait-words.ts';

/**
 * Over a limit: the Retry-After header and a RATE_LIMITED error saying how long to wait. Otherwise the verdict is
 * admitted, with the token a success gives back (SignInGuard.succeeded).
 */
export function refuseIfLimited(
  verdict: LimitVerdict,
  reply: FastifyReply,
  what: string,
): asserts verdict is Extract<LimitVerdict, { ok: true }> {
  if (verdict.ok) return;
  void reply.header('retry-after', String(verdict.retryAfterSeconds));
  throw new AppError(
    ErrorCode.RateLimited,
    `Too many ${what}; try again in ${waitWords(verdict.retryAfterSeconds)}`,
  );
}
