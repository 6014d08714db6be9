// The shape of every checked decoder at a trust boundary (style rule 16): bytes from Redis, HTTP, files or the
// Kubernetes API come in as `unknown` or a string and leave as a typed value or a reason, never as a cast.
// The field readers below compose into object decoders (protocol/*.ts); each checks type and range.

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
export function decodeJson<T>(
  raw: string,
  decode: (value: unknown) => Decoded<T>,
  maxBytes = MAX_MESSAGE_BYTES,
): Decoded<T> {
  const parsed = parseJson(raw, maxBytes);
  return parsed.ok ? decode(parsed.value) : parsed;
}

/** A checked decoder: an untrusted value in, a typed value or the reason it was refused out. */
export type Decoder<T> = (value: unknown) => Decoded<T>;

/** Names a refused value without echoing it whole: a hostile value may be megabytes long. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string')
    return value.length > 40 ? `a string of ${value.length} characters` : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null) return 'null';
  return Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'an object' : typeof value;
}

export interface StringLimits {
  readonly maxLength: number;
  readonly minLength?: number;
  /** Tested only once the length is in bounds, so a hostile string never reaches the regular expression. */
  readonly pattern?: RegExp;
  /** What the pattern means, for the refusal: `must be ${what}`. */
  readonly what?: string;
}

export const stringOf =
  ({ maxLength, minLength = 0, pattern, what }: StringLimits): Decoder<string> =>
  (value) => {
    if (typeof value !== 'string') return refused(`must be a string, was ${describeValue(value)}`);
    if (value.length < minLength || value.length > maxLength)
      return refused(`must be ${minLength} to ${maxLength} characters, was ${value.length}`);
    if (pattern !== undefined && !pattern.test(value))
      return refused(`must be ${what ?? `of the form ${String(pattern)}`}, was ${describeValue(value)}`);
    return decoded(value);
  };

/** A safe integer in `[min, max]`. */
export const integerOf =
  (min: number, max: number): Decoder<number> =>
  (value) =>
    typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max
      ? decoded(value)
      : refused(`must be an integer from ${min} to ${max}, was ${describeValue(value)}`);

/** Exactly one of `values` (compared with `===`). */
export const oneOf =
  <const T extends string | number>(values: readonly T[]): Decoder<T> =>
  (value) => {
    const found = values.find((v) => v === value);
    return found === undefined
      ? refused(
          `must be one of ${values.map((v) => JSON.stringify(v)).join(', ')}, was ${describeValue(value)}`,
        )
      : decoded(found);
  };

/** Base64 text (RFC 4648 §4, padded) of 4·⌈n/3⌉ characters for n bytes. */
export const base64Length = (bytes: number): number => 4 * Math.ceil(bytes / 3);

const base64Pattern = /^[A-Za-z0-9+/]*={0,2}$/;

/** Standard padded base64 of at most `maxBytes` decoded bytes. */
export const base64Of =
  (maxBytes: number): Decoder<string> =>
  (value) => {
    if (typeof value !== 'string') return refused(`must be base64 text, was ${describeValue(value)}`);
    if (value.length > base64Length(maxBytes))
      return refused(`must encode at most ${maxBytes} bytes, was ${value.length} base64 characters`);
    return value.length % 4 === 0 && base64Pattern.test(value)
      ? decoded(value)
      : refused(`must be padded base64, was ${describeValue(value)}`);
  };

export interface RecordLimits<V> {
  readonly maxEntries: number;
  /** Bound on the sum of every key's and value's `size`. */
  readonly maxTotalLength: number;
  readonly key: Decoder<string>;
  readonly value: Decoder<V>;
  /** A decoded value's share of `maxTotalLength`: characters, for a string. */
  readonly size: (value: V) => number;
}

/** A record of strings to values, bounded in entries and total size; a copy holding only own entries. */
export const recordOf =
  <V>(limits: RecordLimits<V>): Decoder<Readonly<Record<string, V>>> =>
  (value) => {
    if (!isRecord(value)) return refused(`must be an object, was ${describeValue(value)}`);
    const entries = Object.entries(value);
    if (entries.length > limits.maxEntries)
      return refused(`must have at most ${limits.maxEntries} entries, had ${entries.length}`);
    const out: [string, V][] = [];
    let total = 0;
    for (const [key, raw] of entries) {
      const k = limits.key(key);
      if (!k.ok) return refused(`key ${describeValue(key)}: ${k.error}`);
      const v = limits.value(raw);
      if (!v.ok) return refused(`${key}: ${v.error}`);
      total += key.length + limits.size(v.value);
      out.push([key, v.value]);
    }
    if (total > limits.maxTotalLength)
      return refused(`must total at most ${limits.maxTotalLength} characters, had ${total}`);
    // fromEntries defines own properties, so a key named `__proto__` stays a key and sets no prototype.
    return decoded(Object.fromEntries(out));
  };

/** A record of strings to strings (see `recordOf`). */
export const stringRecordOf = (
  limits: Omit<RecordLimits<string>, 'size'>,
): Decoder<Readonly<Record<string, string>>> => recordOf({ ...limits, size: (v) => v.length });

/** A list of at most `maxItems` values, each decoded by `item`; a frozen copy. */
export const listOf =
  <T>(item: Decoder<T>, maxItems: number): Decoder<readonly T[]> =>
  (value) => {
    if (!Array.isArray(value)) return refused(`must be a list, was ${describeValue(value)}`);
    if (value.length > maxItems) return refused(`must have at most ${maxItems} items, had ${value.length}`);
    const out: T[] = [];
    for (const [i, raw] of (value as readonly unknown[]).entries()) {
      const d = item(raw);
      if (!d.ok) return refused(`[${i}]: ${d.error}`);
      out.push(d.value);
    }
    return decoded(Object.freeze(out));
  };

/** A decoder whose result must also pass `check`, which returns the reason it fails or undefined. */
export const refine =
  <T>(decoder: Decoder<T>, check: (value: T) => string | undefined): Decoder<T> =>
  (value) => {
    const result = decoder(value);
    if (!result.ok) return result;
    const problem = check(result.value);
    return problem === undefined ? result : refused(problem);
  };

/** Marks a field of `objectOf` that may be absent; `null` is still refused. */
export interface OptionalField<T> {
  readonly optional: Decoder<T>;
}
export const optional = <T>(decoder: Decoder<T>): OptionalField<T> => ({ optional: decoder });

export type Shape = Readonly<Record<string, Decoder<unknown> | OptionalField<unknown>>>;
type RequiredKeys<S extends Shape> = {
  [K in keyof S]: S[K] extends OptionalField<unknown> ? never : K;
}[keyof S];
type FieldType<F> = F extends OptionalField<infer T> ? T : F extends Decoder<infer T> ? T : never;
/** The value `objectOf(shape)` decodes: required fields present, optional ones possibly absent. */
export type ObjectOf<S extends Shape> = {
  readonly [K in RequiredKeys<S>]: FieldType<S[K]>;
} & { readonly [K in Exclude<keyof S, RequiredKeys<S>>]?: FieldType<S[K]> } extends infer O
  ? { readonly [K in keyof O]: O[K] }
  : never;

/** A refusal of a nested field reads as one path: `result.status: …`, `headers.accept: …`. */
const fieldPathPattern = /^[\w$-]+(?:\.[\w$-]+)*: /;
const atField = (key: string, error: string): string =>
  fieldPathPattern.test(error) ? `${key}.${error}` : `${key}: ${error}`;

/**
 * An object whose every field in `shape` decodes; unknown fields are dropped (a newer writer may add some), so the
 * value passed on holds only what was checked. A refusal names the field path, e.g. `result.status: must be …`.
 */
export function objectOf<S extends Shape>(shape: S): Decoder<ObjectOf<S>> {
  const fields = Object.entries(shape);
  return (value) => {
    if (!isRecord(value)) return refused(`must be an object, was ${describeValue(value)}`);
    const out: [string, unknown][] = [];
    for (const [key, field] of fields) {
      const raw = Object.hasOwn(value, key) ? value[key] : undefined;
      const decode = typeof field === 'function' ? field : field.optional;
      if (raw === undefined) {
        if (decode === field) return refused(`${key}: is required`);
        continue;
      }
      const result = decode(raw);
      if (!result.ok) return refused(atField(key, result.error));
      out.push([key, result.value]);
    }
    // The one typing step of every object decoder, and sound: each key of the shape was just decoded by its own
    // decoder, required keys are present, and nothing else was copied.
    return decoded(Object.fromEntries(out) as ObjectOf<S>);
  };
}

/** The most a Kubernetes API error message carries into a status condition. */
export const MAX_API_MESSAGE_CHARS = 1024;

/**
 * The message of a Kubernetes API error Status (`{ kind: 'Status', message }`), from a client error's body: an
 * object or its JSON text. Refused when the body carries no usable message.
 */
export function decodeApiErrorMessage(body: unknown): Decoded<string> {
  const parsed = typeof body === 'string' ? parseJson(body) : decoded(body);
  if (!parsed.ok) return parsed;
  const value = parsed.value;
  if (!isRecord(value)) return refused(`an API error body must be an object, was ${describeValue(value)}`);
  const message = value['message'];
  if (typeof message !== 'string' || message.trim() === '')
    return refused('the API error body has no message');
  return decoded(
    message.length > MAX_API_MESSAGE_CHARS ? `${message.slice(0, MAX_API_MESSAGE_CHARS)}…` : message,
  );
}
