import { SluiceError } from '../core/errors.js';

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
