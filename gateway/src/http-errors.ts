// The only place that turns errors into HTTP responses: `{ code, message }` plus the X-Spool-Error header,
// so a client can tell Spool's own errors from whatever the function answered.
import type { NextFunction, Request, Response } from 'express';
import { SpoolError, errorCodes, type PlatformError } from '@spool/api';
import type { Logger } from '@spool/node';

export const SPOOL_ERROR_HEADER = 'x-spool-error';

export function sendPlatformError(res: Response, error: PlatformError): void {
  if (res.headersSent) return;
  res
    .status(errorCodes[error.code].status)
    .set(SPOOL_ERROR_HEADER, error.code)
    .json({ code: error.code, message: error.message });
}

/** Body-parser and express errors carry `status`/`type`; they are the caller's fault, so keep them 4xx. */
function fromExpressError(err: unknown): SpoolError | undefined {
  const e = err as { status?: number; type?: string; message?: string };
  if (e.type === 'entity.too.large')
    return new SpoolError('BODY_TOO_LARGE', e.message ?? 'request body too large');
  if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
    return new SpoolError('INVALID_REQUEST', e.message ?? 'bad request');
  }
  return undefined;
}

export function toSpoolError(err: unknown): SpoolError {
  if (err instanceof SpoolError) return err;
  return fromExpressError(err) ?? new SpoolError('INTERNAL', 'unexpected error', { cause: err });
}

/** Express error middleware; an INTERNAL error is logged with its cause, never shown to the caller. */
export function errorHandler(log: Logger) {
  return (err: unknown, _req: Request, res: Response, _next: NextFunction): void => {
    const error = toSpoolError(err);
    if (error.code === 'INTERNAL')
      log.error('internal error', { error: String(err), stack: (err as Error).stack });
    sendPlatformError(res, { code: error.code, message: error.message });
  };
}
