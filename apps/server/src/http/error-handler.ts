import { type ErrorBody, ErrorCode, httpStatusOf } from '@consulta/protocol';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.ts';

/**
 * The one place errors become replies. AppErrors keep their code and message; schema failures become
 * VALIDATION_FAILED; anything else is logged in full and answered with INTERNAL and the request id only.
 */
export function errorHandler(
  error: FastifyError | Error,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  let body: ErrorBody;
  let status: number;
  if (error instanceof AppError) {
    status = error.status;
    body = { error: { code: error.code, message: error.message } };
  } else if ('validation' in error && error.validation) {
    status = 400;
    body = { error: { code: ErrorCode.ValidationFailed, message: error.message } };
  } else if ('statusCode' in error && typeof error.statusCode === 'number' && error.statusCode < 500) {
    // fastify's own client errors (bad JSON, body too large, wrong content type, bad URL): safe, fixed texts.
    // The status is the one the code maps to, as everywhere (a wrong content type is a 400, not a 415).
    const code =
      error.statusCode === 413
        ? ErrorCode.MessageTooLarge
        : error.statusCode === 429
          ? ErrorCode.RateLimited
          : ErrorCode.ValidationFailed;
    status = httpStatusOf[code];
    body = { error: { code, message: error.message } };
  } else if ((error as NodeJS.ErrnoException).code === 'ECONNRESET' && request.raw.destroyed) {
    // The client went away mid-body (a link-probe upload it gave up on, a closed tab): nothing on our side
    // failed, and nobody is left to answer. Answered anyway, in case a proxy still listens.
    request.log.info({ reqId: request.id }, 'request aborted by the client');
    status = 400;
    body = {
      error: { code: ErrorCode.ValidationFailed, message: 'The request ended before its body arrived' },
    };
  } else {
    request.log.error({ err: error }, 'unhandled error');
    status = 500;
    body = {
      error: { code: ErrorCode.Internal, message: 'Something went wrong on our side', requestId: request.id },
    };
  }
  void reply.status(status).send(body);
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): void {
  void reply.status(404).send({
    error: { code: ErrorCode.NotFound, message: `No route ${request.method} ${request.url.split('?')[0]}` },
  });
}
