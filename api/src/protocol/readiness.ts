// The text a watchdog's `/_/ready` answers when it is not ready. The process runtime reads it to say why a
// local replica cannot serve (issue 12): a user process that keeps exiting is `crash-loop: <exit>: <stderr tail>`.
import { decoded, refused, type Decoded } from '../decode.js';

const CRASH_LOOP_PREFIX = 'crash-loop: ';
/** A readiness body is a short reason; anything longer is cut, never trusted to be small. */
export const MAX_READINESS_BODY_CHARS = 4096;

export type ReadinessReason =
  | { readonly kind: 'crash-loop'; readonly lastExit: string }
  | { readonly kind: 'other'; readonly text: string };

export const encodeCrashLoopReason = (lastExit: string): string =>
  `${CRASH_LOOP_PREFIX}${lastExit}`.slice(0, MAX_READINESS_BODY_CHARS);

/** Reads a `/_/ready` body; refused when it is longer than any watchdog writes. */
export function decodeReadinessReason(raw: string): Decoded<ReadinessReason> {
  if (raw.length > MAX_READINESS_BODY_CHARS + 1)
    return refused(`a readiness body must be at most ${MAX_READINESS_BODY_CHARS} characters`);
  const text = raw.trim();
  // The prefix ends in a space that trimming an empty crash-loop body would remove; match it without that space.
  if (text.startsWith(CRASH_LOOP_PREFIX.trimEnd())) {
    const lastExit = text.slice(CRASH_LOOP_PREFIX.trimEnd().length).trim();
    return decoded({ kind: 'crash-loop', lastExit: lastExit === '' ? 'exit unknown' : lastExit });
  }
  return decoded({ kind: 'other', text });
}
