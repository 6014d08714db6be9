// A small schema language: one definition yields TypeScript types, defaults, validation and OpenAPI v3.
// It covers exactly what the Function resource needs, nothing more.

export interface Problem {
  /** Dotted path of the offending field, e.g. `spec.scale.max`. */
  readonly path: string;
  readonly message: string;
}

interface Described {
  readonly description: string;
}

export interface StringSchema<E extends string = string> extends Described {
  readonly kind: 'string';
  readonly enum?: readonly E[];
  readonly pattern?: string;
  readonly minLength?: number;
  readonly maxLength?: number;
}

export interface IntegerSchema extends Described {
  readonly kind: 'integer';
  readonly minimum?: number;
  readonly maximum?: number;
}

export interface BooleanSchema extends Described {
  readonly kind: 'boolean';
}

export interface ArraySchema<I extends Schema = Schema> extends Described {
  readonly kind: 'array';
  readonly items: I;
  readonly minItems?: number;
  readonly maxItems?: number;
}

export interface MapSchema<V extends Schema = Schema> extends Described {
  readonly kind: 'map';
  readonly values: V;
}

/** A rule spanning several fields: `cel` runs in the API server, `holds` in `validate`. */
export interface CrossFieldRule {
  readonly cel: string;
  readonly message: string;
  readonly holds: (value: Readonly<Record<string, unknown>>) => boolean;
}

export interface ObjectSchema<P extends Fields = Fields> extends Described {
  readonly kind: 'object';
  readonly properties: P;
  readonly rules?: readonly CrossFieldRule[];
  /** Kept as-is by the API server (no pruning); used for the status conditions' free-form parts. */
  readonly preserveUnknownFields?: boolean;
}

export type Schema = StringSchema | IntegerSchema | BooleanSchema | ArraySchema | MapSchema | ObjectSchema;

export type Presence = 'required' | 'optional' | 'defaulted';

export interface Field<S extends Schema = Schema, P extends Presence = Presence> {
  readonly schema: S;
  readonly presence: P;
  readonly default?: unknown;
}

export type Fields = Readonly<Record<string, Field>>;

type KeysWhere<F extends Fields, P extends Presence> = {
  [K in keyof F]: F[K]['presence'] extends P ? K : never;
}[keyof F];

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The type a user may write: defaulted fields are optional. */
export type Input<S> =
  S extends StringSchema<infer E>
    ? E
    : S extends IntegerSchema
      ? number
      : S extends BooleanSchema
        ? boolean
        : S extends ArraySchema<infer I>
          ? Input<I>[]
          : S extends MapSchema<infer V>
            ? Record<string, Input<V>>
            : S extends ObjectSchema<infer F>
              ? Simplify<
                  { [K in KeysWhere<F, 'required'>]: Input<F[K]['schema']> } & {
                    [K in KeysWhere<F, 'optional' | 'defaulted'>]?: Input<F[K]['schema']>;
                  }
                >
              : never;

/** The type after defaulting: defaulted fields are present. */
export type Resolved<S> =
  S extends ArraySchema<infer I>
    ? Resolved<I>[]
    : S extends MapSchema<infer V>
      ? Record<string, Resolved<V>>
      : S extends ObjectSchema<infer F>
        ? Simplify<
            { [K in KeysWhere<F, 'required' | 'defaulted'>]: Resolved<F[K]['schema']> } & {
              [K in KeysWhere<F, 'optional'>]?: Resolved<F[K]['schema']>;
            }
          >
        : Input<S>;

export const string = <E extends string = string>(s: Omit<StringSchema<E>, 'kind'>): StringSchema<E> => ({
  kind: 'string',
  ...s,
});
export const integer = (s: Omit<IntegerSchema, 'kind'>): IntegerSchema => ({ kind: 'integer', ...s });
export const boolean = (s: Omit<BooleanSchema, 'kind'>): BooleanSchema => ({ kind: 'boolean', ...s });
export const array = <I extends Schema>(s: Omit<ArraySchema<I>, 'kind'>): ArraySchema<I> => ({
  kind: 'array',
  ...s,
});
export const map = <V extends Schema>(s: Omit<MapSchema<V>, 'kind'>): MapSchema<V> => ({ kind: 'map', ...s });
export const object = <F extends Fields>(s: Omit<ObjectSchema<F>, 'kind'>): ObjectSchema<F> => ({
  kind: 'object',
  ...s,
});

export const required = <S extends Schema>(schema: S): Field<S, 'required'> => ({
  schema,
  presence: 'required',
});
export const optional = <S extends Schema>(schema: S): Field<S, 'optional'> => ({
  schema,
  presence: 'optional',
});
// The default is `unknown` here because resolving a generic schema's type recurses past the compiler's depth
// limit; `function-schema.test.ts` proves every default validates against its own schema instead.
export const defaulted = <S extends Schema>(schema: S, value: unknown): Field<S, 'defaulted'> => ({
  schema,
  presence: 'defaulted',
  default: value,
});

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Fills defaults, depth first, without touching the input. Values of the wrong type are left for `validate`. */
/** Fills defaults, depth first, without touching the input. Values of the wrong type are left for `validate`. */
export function withDefaults(schema: Schema, value: unknown): unknown {
  if (schema.kind === 'array')
    return Array.isArray(value) ? value.map((v) => withDefaults(schema.items, v)) : value;
  if (!isRecord(value)) return value;
  if (schema.kind === 'map') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withDefaults(schema.values, v)]));
  }
  return schema.kind === 'object' ? objectWithDefaults(schema, value) : value;
}

function objectWithDefaults(schema: ObjectSchema, value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...value };
  for (const [key, field] of Object.entries(schema.properties)) {
    const given = out[key] ?? (field.presence === 'defaulted' ? structuredClone(field.default) : undefined);
    if (given !== undefined) out[key] = withDefaults(field.schema, given);
  }
  return out;
}

const typeProblems: Record<Schema['kind'], (v: unknown) => boolean> = {
  string: (v) => typeof v === 'string',
  integer: (v) => Number.isSafeInteger(v),
  boolean: (v) => typeof v === 'boolean',
  array: Array.isArray,
  map: isRecord,
  object: isRecord,
};

const typeNames: Record<Schema['kind'], string> = {
  string: 'a string',
  integer: 'an integer',
  boolean: 'true or false',
  array: 'a list',
  map: 'a map of names to values',
  object: 'an object',
};

const bound = (ok: boolean, message: string): string[] => (ok ? [] : [message]);

function stringProblems(schema: StringSchema, s: string): string[] {
  const { enum: allowed, minLength = 0, maxLength = Infinity, pattern } = schema;
  return [
    ...bound(!allowed || allowed.includes(s), `must be one of ${allowed?.join(', ')}`),
    ...bound(s.length >= minLength, `must be at least ${minLength} characters`),
    ...bound(s.length <= maxLength, `must be at most ${maxLength} characters`),
    ...bound(pattern === undefined || new RegExp(pattern).test(s), `must match ${pattern}`),
  ];
}

function scalarProblems(schema: Schema, value: unknown): string[] {
  if (schema.kind === 'string') return stringProblems(schema, value as string);
  if (schema.kind === 'integer') {
    const { minimum = -Infinity, maximum = Infinity } = schema;
    const n = value as number;
    return [
      ...bound(n >= minimum, `must be at least ${minimum}`),
      ...bound(n <= maximum, `must be at most ${maximum}`),
    ];
  }
  if (schema.kind === 'array') {
    const { minItems = 0, maxItems = Infinity } = schema;
    const n = (value as unknown[]).length;
    return [
      ...bound(n >= minItems, `must have at least ${minItems} items`),
      ...bound(n <= maxItems, `must have at most ${maxItems} items`),
    ];
  }
  return [];
}

function childProblems(schema: Schema, value: unknown, path: string): Problem[] {
  if (schema.kind === 'array') {
    return (value as unknown[]).flatMap((v, i) => validate(schema.items, v, `${path}[${i}]`));
  }
  if (schema.kind === 'map') {
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) =>
      validate(schema.values, v, `${path}.${k}`),
    );
  }
  if (schema.kind !== 'object') return [];
  const obj = value as Record<string, unknown>;
  const problems = Object.entries(schema.properties).flatMap(([key, field]) => {
    const at = path ? `${path}.${key}` : key;
    if (obj[key] === undefined)
      return field.presence === 'required' ? [{ path: at, message: 'is required' }] : [];
    return validate(field.schema, obj[key], at);
  });
  if (!schema.preserveUnknownFields) {
    for (const key of Object.keys(obj)) {
      if (!(key in schema.properties))
        problems.push({ path: path ? `${path}.${key}` : key, message: 'is not a known field' });
    }
  }
  // Cross-field rules only make sense once every field they read is well-typed.
  if (problems.length > 0) return problems;
  return (schema.rules ?? []).filter((r) => !r.holds(obj)).map((r) => ({ path, message: r.message }));
}

/** Every problem with `value` against `schema`, each with the path that holds it. Empty means valid. */
export function validate(schema: Schema, value: unknown, path = ''): Problem[] {
  if (!typeProblems[schema.kind](value)) return [{ path, message: `must be ${typeNames[schema.kind]}` }];
  const own = scalarProblems(schema, value).map((message) => ({ path, message }));
  return [...own, ...childProblems(schema, value, path)];
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** int32 unless the integer's range needs int64. */
const integerFormat = ({ minimum = 0, maximum = 0 }: { minimum?: number; maximum?: number }): string =>
  minimum >= INT32_MIN && maximum <= INT32_MAX ? 'int32' : 'int64';

/** The OpenAPI v3 (structural, Kubernetes-flavoured) form of a schema, for a CRD's openAPIV3Schema. */
export function toOpenApi(schema: Schema, defaultValue?: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = { description: schema.description };
  if (defaultValue !== undefined) out['default'] = defaultValue;
  switch (schema.kind) {
    case 'string':
      return { type: 'string', ...out, ...pick(schema, ['enum', 'pattern', 'minLength', 'maxLength']) };
    case 'integer':
      return {
        type: 'integer',
        format: integerFormat(schema),
        ...out,
        ...pick(schema, ['minimum', 'maximum']),
      };
    case 'boolean':
      return { type: 'boolean', ...out };
    case 'array':
      return {
        type: 'array',
        ...out,
        items: toOpenApi(schema.items),
        ...pick(schema, ['minItems', 'maxItems']),
      };
    case 'map':
      return { type: 'object', ...out, additionalProperties: toOpenApi(schema.values) };
    case 'object':
      return objectToOpenApi(schema, out);
  }
}

function objectToOpenApi(schema: ObjectSchema, out: Record<string, unknown>): Record<string, unknown> {
  const properties = Object.fromEntries(
    // A defaulted object's default is written out in full: the API server checks CEL rules against it as is.
    Object.entries(schema.properties).map(([k, f]) => [
      k,
      toOpenApi(f.schema, withDefaults(f.schema, f.default)),
    ]),
  );
  const required = Object.entries(schema.properties)
    .filter(([, f]) => f.presence === 'required')
    .map(([k]) => k);
  return {
    type: 'object',
    ...out,
    properties,
    ...(required.length > 0 ? { required } : {}),
    ...(schema.rules?.length
      ? { 'x-kubernetes-validations': schema.rules.map((r) => ({ rule: r.cel, message: r.message })) }
      : {}),
    ...(schema.preserveUnknownFields ? { 'x-kubernetes-preserve-unknown-fields': true } : {}),
  };
}

function pick<T extends object, K extends keyof T>(obj: T, keys: readonly K[]): Partial<Pick<T, K>> {
  return Object.fromEntries(keys.filter((k) => obj[k] !== undefined).map((k) => [k, obj[k]])) as Partial<
    Pick<T, K>
  >;
}
