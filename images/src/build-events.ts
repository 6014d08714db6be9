// The daemon's build progress: newline-delimited JSON objects, read into log lines, an image id or an error.
import { parseJson } from '@spool/api';

export type BuildEvent =
  | { readonly kind: 'log'; readonly text: string }
  | { readonly kind: 'error'; readonly message: string }
  | { readonly kind: 'image'; readonly id: string }
  | { readonly kind: 'other' };

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function errorMessage(event: Record<string, unknown>): string | undefined {
  const detail = event['errorDetail'];
  if (isRecord(detail) && typeof detail['message'] === 'string') return detail['message'];
  return typeof event['error'] === 'string' ? event['error'] : undefined;
}

/** One decoded object of the stream (Docker Engine API `POST /build`, as Docker and podman send it). */
export function parseBuildEvent(event: unknown): BuildEvent {
  if (!isRecord(event)) return { kind: 'other' };
  const message = errorMessage(event);
  if (message !== undefined) return { kind: 'error', message };
  const aux = event['aux'];
  if (isRecord(aux) && typeof aux['ID'] === 'string') return { kind: 'image', id: aux['ID'] };
  if (typeof event['stream'] === 'string') return { kind: 'log', text: event['stream'] };
  return { kind: 'other' };
}

/**
 * Splits buffered stream text into complete lines and the unfinished rest: a chunk may end mid-object
 * ('{"stream":"St' + 'ep 1"}\n'). Blank lines are dropped.
 */
export function splitLines(buffered: string): { readonly lines: string[]; readonly rest: string } {
  const parts = buffered.split('\n');
  const rest = parts.pop() ?? '';
  return { lines: parts.filter((line) => line.trim() !== ''), rest };
}

/** A line that is not JSON is kept as log text rather than failing the build it describes. */
export function parseBuildLine(line: string): BuildEvent {
  const parsed = parseJson(line);
  return parsed.ok ? parseBuildEvent(parsed.value) : { kind: 'log', text: `${line}\n` };
}
