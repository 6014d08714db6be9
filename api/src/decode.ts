// The shape of every checked decoder at a trust boundary (style rule 16): bytes from Redis, HTTP, files or the
// Kubernetes API come in as `unknown` or a string and leave as a typed value or a reason, never as a cast.

/** A decoded value, or why the input was refused. Decoders never throw. */
export type Decoded<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

export const decoded = <T>(value: T): Decoded<T> => ({ ok: true, value });
export const refused = <T = never>(error: string): Decoded<T> => ({ ok: false, error });

/** Messages larger than this are refused before parsing, so a hostile writer cannot make a reader parse 1 GB. */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

export const isRecord = (v: unknown): v is Readonly<Record<string, unknown>> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** `JSON.parse` that returns a reason instead of throwing, and refuses oversized input unread. */
export function parseJson(raw: string, maxBytes = MAX_MESSAGE_BYTES): Decoded<unknown> {
  // String length counts UTF-16 units; each is at most 3 UTF-8 bytes, so this bound is cheap and safe.
  if (raw.length > maxBytes) return refused(`message of ${raw.length} characters exceeds ${maxBytes}`);
  try {
    return decoded(JSON.parse(raw) as unknown);
  } catch (error) {
    return refused(`not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Runs `decode` on the JSON in `raw`: the usual path for a message read from Redis. */
export function decodeJson<T>(raw: string, decode: (value: unknown) => Decoded<T>): Decoded<T> {
  const parsed = parseJson(raw);
  return parsed.ok ? decode(parsed.value) : parsed;
}
