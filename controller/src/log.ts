// One JSON object per line: decisions and failures a person or a log pipeline can filter by field.
import type { Clock } from './clock.js';

export type LogFields = Readonly<Record<string, unknown>>;
export type Log = (event: string, fields?: LogFields) => void;

export function jsonLog(write: (line: string) => void, clock: Clock): Log {
  return (event, fields = {}) => write(`${JSON.stringify({ atMs: clock.now(), event, ...fields })}\n`);
}

/** Discards everything: for tests that assert on state, not on log lines. */
export const silentLog: Log = () => {};

export const errorMessage = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);
