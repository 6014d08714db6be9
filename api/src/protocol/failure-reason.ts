// The failure reason of a call, as BullMQ keeps it in `failedReason` and `/calls/ID` shows it:
// `CODE: message` for a failure Spool classified, e.g. `CALL_TIMEOUT: call ran past 5 s`.
import { isErrorCode, type ErrorCode } from '../errors.js';

/** What a failure reason says: a known code when Spool wrote one, and the message after it. */
export interface FailureReason {
  readonly code: ErrorCode | undefined;
  readonly message: string;
}

/** `CODE: message`: the one format a watchdog writes and `parseFailureReason` reads. */
export const failureReason = (code: ErrorCode, message: string): string => `${code}: ${message}`;

const prefixPattern = /^([A-Z][A-Z_]{0,63}): /;

/**
 * Reads a `failedReason`. BullMQ and user-visible failures write free text too (a stalled job, `function answered
 * 500`), so a reason without a known code prefix has `code: undefined` and the whole text as its message.
 */
export function parseFailureReason(reason: string): FailureReason {
  const prefix = prefixPattern.exec(reason)?.[1];
  return isErrorCode(prefix)
    ? { code: prefix, message: reason.slice(prefix.length + 2) }
    : { code: undefined, message: reason };
}
