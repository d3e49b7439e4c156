import { BusyError, CatalogError, InvalidKeyError, NotFoundError, QueryError, SluiceError, StateCorruptError, UsageError } from '../core/errors.js';

/** An answer the HTTP layer gives as is: its status and a message for the client. */
export class HttpError extends SluiceError {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** The status an error is answered with, decided by its type alone (never by its message). */
export function statusOf(err: unknown): number {
  if (err instanceof HttpError) return err.status;
  if (err instanceof NotFoundError) return 404;
  if (err instanceof BusyError || err instanceof StateCorruptError) return 503;
  if (err instanceof CatalogError || err instanceof UsageError || err instanceof InvalidKeyError || err instanceof QueryError) return 400;
  return 500;
}

/** Headers that go with an error's answer: the ones an HttpError names, Retry-After when busy. */
export function headersOf(err: unknown): Record<string, string> {
  if (err instanceof HttpError) return err.headers;
  if (err instanceof BusyError) return { 'retry-after': String(err.retryAfterSec) };
  return {};
}
