import { type ErrorCode, httpStatusOf } from '@consulta/protocol';

/** An error meant for the client: a protocol code and a message safe to show. Anything else is internal. */
export class AppError extends Error {
  override name = 'AppError';
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.status = httpStatusOf[code];
  }
}
