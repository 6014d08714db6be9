// GET /system/logs in faas-provider's terms (`logs.Request` in, one `logs.Message` JSON per line out), decided
// without I/O: the query's checks, the NDJSON line, and reading a timestamp off a log line.
import { decoded, describeValue, refused, type Decoded } from './decode.js';
import type { FunctionRef } from './names.js';
import { openfaasRef, servedNamespace, type NamespaceAliasing } from './openfaas.js';

/** faas-provider `logs.Request`. */
export interface LogRequest {
  readonly ref: FunctionRef;
  /** Only this replica (`logs.Message.instance`). */
  readonly instance?: string;
  /** Lines per replica from the end; undefined: all. */
  readonly tail?: number;
  /** Only lines stamped at or after this time. */
  readonly sinceMs?: number;
  /** Keep streaming new lines until the client leaves. */
  readonly follow: boolean;
}

/** faas-provider `logs.Message`. */
export interface LogMessage {
  readonly name: string;
  readonly namespace: string;
  readonly instance: string;
  /** RFC 3339. */
  readonly timestamp: string;
  readonly text: string;
}

/** Lines kept per replica at most, whatever `tail` asks: a replica's history is not streamed whole into memory. */
export const MAX_LOG_TAIL = 10_000;

type Query = Readonly<Record<string, unknown>>;

function single(query: Query, key: string, problems: string[]): string | undefined {
  const value = query[key];
  if (value === undefined || value === '') return undefined;
  if (typeof value === 'string') return value;
  problems.push(`${key}: given more than once`);
  return undefined;
}

/** Go's strconv.ParseBool, which faas-provider uses for `follow`. */
function parseBool(raw: string | undefined, problems: string[]): boolean {
  if (raw === undefined) return false;
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(raw)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(raw)) return false;
  problems.push(`follow: must be true or false, was ${describeValue(raw)}`);
  return false;
}

/** A negative tail is "all", as faas-cli sends -1 by default. */
function parseTail(raw: string | undefined, problems: string[]): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^-?\d{1,9}$/.test(raw)) {
    problems.push(`tail: must be an integer, was ${describeValue(raw)}`);
    return undefined;
  }
  const tail = Number(raw);
  return tail < 0 ? undefined : Math.min(tail, MAX_LOG_TAIL);
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

function parseSince(raw: string | undefined, problems: string[]): number | undefined {
  if (raw === undefined) return undefined;
  const ms = RFC3339.test(raw) ? Date.parse(raw) : NaN;
  if (Number.isFinite(ms)) return ms;
  problems.push(`since: must be an RFC 3339 time such as 2026-01-02T03:04:05Z, was ${describeValue(raw)}`);
  return undefined;
}

/** The query of `GET /system/logs?name=&namespace=&instance=&tail=&since=&follow=`, checked. */
export function logRequestOf(query: Query, aliasing: NamespaceAliasing): Decoded<LogRequest> {
  const problems: string[] = [];
  const name = single(query, 'name', problems);
  if (name === undefined && problems.length === 0) problems.push('name: required');
  const namespace = single(query, 'namespace', problems);
  const instance = single(query, 'instance', problems);
  const tail = parseTail(single(query, 'tail', problems), problems);
  const sinceMs = parseSince(single(query, 'since', problems), problems);
  const follow = parseBool(single(query, 'follow', problems), problems);
  if (problems.length > 0 || name === undefined) return refused(problems.join('; '));
  const ref = openfaasRef(
    name,
    aliasing,
    namespace === undefined ? undefined : servedNamespace(namespace, aliasing),
  );
  return decoded({
    ref,
    follow,
    ...(instance !== undefined ? { instance } : {}),
    ...(tail !== undefined ? { tail } : {}),
    ...(sinceMs !== undefined ? { sinceMs } : {}),
  });
}

/** One NDJSON line of the response. */
export const logLine = (message: LogMessage): string => `${JSON.stringify(message)}\n`;

/** A Kubernetes log line read with `timestamps=true`: `2026-01-02T03:04:05.123456789Z text`. */
export function splitTimestamp(line: string): { readonly timestamp?: string; readonly text: string } {
  const space = line.indexOf(' ');
  const stamp = space > 0 ? line.slice(0, space) : line;
  if (!RFC3339.test(stamp)) return { text: line };
  return { timestamp: stamp, text: space > 0 ? line.slice(space + 1) : '' };
}

/** The `time` of a structured (JSON) log line, as Spool's services and watchdog write them; else undefined. */
export function structuredLineTime(line: string): string | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const parsed = JSON.parse(line) as unknown;
    const time =
      typeof parsed === 'object' && parsed !== null ? (parsed as { time?: unknown }).time : undefined;
    return typeof time === 'string' && RFC3339.test(time) ? time : undefined;
  } catch {
    // Not JSON after all: a user's line that starts with a brace.
    return undefined;
  }
}

/** Whether a line stamped `timestamp` passes `since` (a line with an unreadable stamp does). */
export const isSince = (timestamp: string, sinceMs: number | undefined): boolean =>
  sinceMs === undefined || !(Date.parse(timestamp) < sinceMs);
