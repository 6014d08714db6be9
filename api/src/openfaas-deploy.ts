// faas-provider's `types.FunctionDeployment` (the body of POST/PUT /system/functions) mapped onto a Function, and
// `types.DeleteFunctionRequest`, decided without I/O. A field Spool cannot honour is refused by name rather than
// dropped, so `faas-cli deploy` never reports success for a function that would run differently than asked.
import { FUNCTION_API_VERSION, formatProblems, validateFunction, type FunctionResource } from './function.js';
import { decoded, describeValue, isRecord, refused, type Decoded } from './decode.js';
import { FUNCTION_KIND, type FunctionRef } from './names.js';
import { openfaasRef, type NamespaceAliasing } from './openfaas.js';

/** Marks a Function written through /system/functions, so listings tell it apart from the folder's or kubectl's. */
export const DEPLOYED_BY_ANNOTATION = 'spool.dev/deployed-by';
export const SYSTEM_API_DEPLOYER = 'system-api';

/** OpenFaaS's scaling annotations (also read from labels, where OpenFaaS CE has them). */
export const OPENFAAS_SCALE = {
  min: 'com.openfaas.scale.min',
  max: 'com.openfaas.scale.max',
  target: 'com.openfaas.scale.target',
  zero: 'com.openfaas.scale.zero',
  zeroDuration: 'com.openfaas.scale.zero-duration',
  type: 'com.openfaas.scale.type',
  targetProportion: 'com.openfaas.scale.target-proportion',
} as const;

/** faas-provider's fields; anything else in a body is refused by name (a typo must not deploy silently). */
const KNOWN_FIELDS = new Set([
  'service',
  'image',
  'namespace',
  'envProcess',
  'envVars',
  'constraints',
  'secrets',
  'labels',
  'annotations',
  'limits',
  'requests',
  'readOnlyRootFilesystem',
  'registryAuth',
  'network',
]);

type Problems = string[];
type StringMap = Readonly<Record<string, string>>;

function stringField(body: Readonly<Record<string, unknown>>, field: string, problems: Problems): string {
  const value = body[field];
  if (typeof value === 'string' && value !== '') return value;
  problems.push(`${field}: required, a non-empty string (was ${describeValue(value)})`);
  return '';
}

function optionalString(body: Readonly<Record<string, unknown>>, field: string, problems: Problems) {
  const value = body[field];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') return value;
  problems.push(`${field}: must be a string (was ${describeValue(value)})`);
  return undefined;
}

/** A Go `map[string]string` (or its pointer: null is none). */
function stringMap(value: unknown, field: string, problems: Problems): StringMap {
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) {
    problems.push(`${field}: must be an object of strings (was ${describeValue(value)})`);
    return {};
  }
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) {
    if (typeof v === 'string') out[key] = v;
    else problems.push(`${field}.${key}: must be a string (was ${describeValue(v)})`);
  }
  return out;
}

/** faas-provider `FunctionResources`: memory and cpu quantities; empty strings are Go's unset. */
function resourcesField(value: unknown, field: string, problems: Problems): StringMap | undefined {
  const quantities = stringMap(value, field, problems);
  const out: Record<string, string> = {};
  for (const [key, quantity] of Object.entries(quantities)) {
    if (key !== 'memory' && key !== 'cpu') problems.push(`${field}.${key}: only memory and cpu are known`);
    else if (quantity !== '') out[key] = quantity;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

const isEmptyList = (value: unknown): boolean =>
  value === undefined || value === null || (Array.isArray(value) && value.length === 0);

/** Fields Spool has no counterpart for, each accepted only at its zero value, with why it is refused. */
const ZERO_ONLY: readonly { field: string; isZero: (v: unknown) => boolean; why: string }[] = [
  {
    field: 'secrets',
    isZero: isEmptyList,
    why: 'Spool has no secret store; give the Function Kubernetes secrets through env instead',
  },
  {
    field: 'constraints',
    isZero: isEmptyList,
    why: 'Spool places function pods without OpenFaaS constraints',
  },
  {
    field: 'readOnlyRootFilesystem',
    isZero: (v) => v === undefined || v === false,
    why: 'Spool cannot make the root filesystem read-only',
  },
  {
    field: 'registryAuth',
    isZero: (v) => v === undefined || v === '',
    why: "Spool pulls with the cluster's image pull secrets only",
  },
  { field: 'network', isZero: (v) => v === undefined || v === '', why: 'Spool has no per-function network' },
];

function unsupportedFields(body: Readonly<Record<string, unknown>>, problems: Problems): void {
  for (const { field, isZero, why } of ZERO_ONLY) if (!isZero(body[field])) problems.push(`${field}: ${why}`);
  for (const key of Object.keys(body))
    if (!KNOWN_FIELDS.has(key)) problems.push(`${key}: not a field of FunctionDeployment`);
}

const GO_DURATION = /^(\d+)(s|m|h)$/;
const SECONDS_PER_UNIT: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600 };

function integerAnnotation(
  meta: StringMap,
  name: string,
  range: readonly [number, number],
  problems: Problems,
): number | undefined {
  const raw = meta[name];
  if (raw === undefined) return undefined;
  const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (Number.isSafeInteger(value) && value >= range[0] && value <= range[1]) return value;
  problems.push(`${name}: must be an integer from ${range[0]} to ${range[1]} (was ${describeValue(raw)})`);
  return undefined;
}

/** `com.openfaas.scale.zero-duration` ("15m", "90s", "1h") as Spool's scale.idleSeconds. */
function idleSecondsOf(meta: StringMap, problems: Problems): number | undefined {
  const raw = meta[OPENFAAS_SCALE.zeroDuration];
  if (raw === undefined) return undefined;
  const match = GO_DURATION.exec(raw);
  const seconds = match ? Number(match[1]) * (SECONDS_PER_UNIT[match[2] ?? ''] ?? 0) : 0;
  if (seconds >= 1 && seconds <= 86_400) return seconds;
  problems.push(
    `${OPENFAAS_SCALE.zeroDuration}: must be a duration of 1s to 24h like 15m (was ${describeValue(raw)})`,
  );
  return undefined;
}

/** Whether the function may scale to zero when idle: OpenFaaS's `com.openfaas.scale.zero`, off unless "true". */
function scalesToZero(meta: StringMap, problems: Problems): boolean {
  const raw = meta[OPENFAAS_SCALE.zero];
  if (raw === undefined || raw === 'false') return false;
  if (raw === 'true') return true;
  problems.push(`${OPENFAAS_SCALE.zero}: must be true or false (was ${describeValue(raw)})`);
  return false;
}

function refuseScaleKinds(meta: StringMap, problems: Problems): void {
  const type = meta[OPENFAAS_SCALE.type];
  // Spool's target counts queued plus running calls per replica: OpenFaaS's "capacity" (in-flight) measure.
  if (type !== undefined && type !== 'capacity')
    problems.push(
      `${OPENFAAS_SCALE.type}: Spool scales on calls per replica ("capacity") only, was ${describeValue(type)}`,
    );
  if (meta[OPENFAAS_SCALE.targetProportion] !== undefined)
    problems.push(
      `${OPENFAAS_SCALE.targetProportion}: Spool's target is a whole number of calls per replica`,
    );
}

/**
 * OpenFaaS's scaling annotations as `spec.scale`. OpenFaaS keeps `scale.min` (default 1) replicas unless
 * `com.openfaas.scale.zero` is true, which lets an idle function go to zero; Spool's `min` is a floor at all times,
 * so zero=true is min 0, and zero=true with a min above 1 cannot be expressed.
 */
function scaleOf(meta: StringMap, problems: Problems): Record<string, number> {
  refuseScaleKinds(meta, problems);
  const min = integerAnnotation(meta, OPENFAAS_SCALE.min, [0, 1000], problems);
  const max = integerAnnotation(meta, OPENFAAS_SCALE.max, [1, 1000], problems);
  const target = integerAnnotation(meta, OPENFAAS_SCALE.target, [1, 10_000], problems);
  const idleSeconds = idleSecondsOf(meta, problems);
  const zero = scalesToZero(meta, problems);
  if (zero && min !== undefined && min > 1)
    problems.push(
      `${OPENFAAS_SCALE.min}: ${min} with ${OPENFAAS_SCALE.zero}=true cannot be kept: Spool's scale.min holds at all times`,
    );
  return {
    min: zero ? 0 : (min ?? 1),
    ...(max !== undefined ? { max } : {}),
    ...(target !== undefined ? { targetPerReplica: target } : {}),
    ...(idleSeconds !== undefined ? { idleSeconds } : {}),
  };
}

/** `envProcess` is the watchdog's fprocess: Spool runs it as the user command, split at white space. */
function commandOf(body: Readonly<Record<string, unknown>>, problems: Problems): string[] {
  const raw = optionalString(body, 'envProcess', problems);
  const words = (raw ?? '')
    .trim()
    .split(/\s+/)
    .filter((w) => w !== '');
  if (words.length === 0 && (raw !== undefined || !problems.some((p) => p.startsWith('envProcess:'))))
    problems.push(
      'envProcess: required: Spool starts the user command it names (OpenFaaS reads fprocess from the image)',
    );
  return words;
}

function resourcesOf(body: Readonly<Record<string, unknown>>, problems: Problems) {
  const limits = resourcesField(body['limits'], 'limits', problems);
  const requests = resourcesField(body['requests'], 'requests', problems);
  if (limits === undefined && requests === undefined) return undefined;
  return { ...(limits ? { limits } : {}), ...(requests ? { requests } : {}) };
}

function functionOf(
  body: Readonly<Record<string, unknown>>,
  ref: FunctionRef,
  problems: Problems,
): FunctionResource {
  const labels = stringMap(body['labels'], 'labels', problems);
  const annotations = stringMap(body['annotations'], 'annotations', problems);
  const envVars = stringMap(body['envVars'], 'envVars', problems);
  const resources = resourcesOf(body, problems);
  return {
    apiVersion: FUNCTION_API_VERSION,
    kind: FUNCTION_KIND,
    metadata: {
      name: ref.name,
      namespace: ref.namespace,
      ...(Object.keys(labels).length > 0 ? { labels } : {}),
      annotations: { ...annotations, [DEPLOYED_BY_ANNOTATION]: SYSTEM_API_DEPLOYER },
    },
    spec: {
      image: stringField(body, 'image', problems),
      command: commandOf(body, problems),
      env: Object.keys(envVars)
        .sort()
        .map((name) => ({ name, value: envVars[name] ?? '' })),
      // Annotations win over labels where both carry one (OpenFaaS reads either).
      scale: scaleOf({ ...labels, ...annotations }, problems),
      ...(resources ? { resources } : {}),
    },
  };
}

/**
 * A FunctionDeployment body as the Function it asks for, validated by `validateFunction` (the check the
 * controller and the CRD apply), or every problem, each naming its field. `queryNamespace` is `?namespace=`.
 */
export function functionFromDeployment(
  body: unknown,
  aliasing: NamespaceAliasing,
  queryNamespace?: string,
): Decoded<FunctionResource> {
  if (!isRecord(body))
    return refused(`a FunctionDeployment must be a JSON object, was ${describeValue(body)}`);
  const problems: Problems = [];
  unsupportedFields(body, problems);
  const service = stringField(body, 'service', problems);
  const namespace = optionalString(body, 'namespace', problems) ?? queryNamespace;
  const fn = functionOf(body, openfaasRef(service, aliasing, namespace), problems);
  if (problems.length > 0) return refused(problems.join('; '));
  const invalid = validateFunction(fn);
  return invalid.length > 0 ? refused(formatProblems(invalid)) : decoded(fn);
}

/** faas-provider `types.DeleteFunctionRequest`: `{ functionName, namespace? }`. */
export function deleteTarget(
  body: unknown,
  aliasing: NamespaceAliasing,
  queryNamespace?: string,
): Decoded<FunctionRef> {
  if (!isRecord(body))
    return refused(`a DeleteFunctionRequest must be a JSON object, was ${describeValue(body)}`);
  const problems: Problems = [];
  const name = stringField(body, 'functionName', problems);
  const namespace = optionalString(body, 'namespace', problems) ?? queryNamespace;
  for (const key of Object.keys(body))
    if (key !== 'functionName' && key !== 'namespace')
      problems.push(`${key}: not a field of DeleteFunctionRequest`);
  return problems.length > 0 ? refused(problems.join('; ')) : decoded(openfaasRef(name, aliasing, namespace));
}

/** Local mode: the folder under the state dir that holds Functions deployed through /system/functions. */
export const DEPLOYED_FUNCTIONS_FOLDER = 'deployed-functions';

/** One file per Function; neither a namespace nor a name holds a dot, so `NAMESPACE.NAME.yaml` is unique. */
export const deployedFunctionFileName = (ref: FunctionRef): string => `${ref.namespace}.${ref.name}.yaml`;
