// `/system/scale-function/NAME` input, decided without I/O: the one query parameter it takes, the body, and the
// replica count bounded by the function's own `scale.max` (an unbounded count once reached 9007199254740991).
import { SpoolError, isRecord, type ScaleSpec } from '@spool/api';

/** OpenFaaS clients send `?namespace=` and `serviceName`/`namespace` in the body; nothing else is taken. */
const QUERY_KEYS = new Set(['namespace']);
const BODY_KEYS = new Set(['replicas', 'serviceName', 'namespace']);

/**
 * The namespace from `?namespace=`, if given once; a repeated or unknown parameter is refused, because a
 * parameter the gateway ignores is one a client believes had an effect.
 */
export function scaleQueryNamespace(query: Readonly<Record<string, unknown>>): string | undefined {
  for (const [key, value] of Object.entries(query)) {
    if (!QUERY_KEYS.has(key)) throw new SpoolError('INVALID_REQUEST', `unknown query parameter "${key}"`);
    if (typeof value !== 'string')
      throw new SpoolError('INVALID_REQUEST', `query parameter "${key}" is repeated`);
  }
  const namespace = query['namespace'];
  return typeof namespace === 'string' ? namespace : undefined;
}

interface ScaleTarget {
  readonly name: string;
  readonly namespace: string;
  readonly scale: ScaleSpec;
  /** Other names the namespace goes by (OpenFaaS's `openfaas-fn` for the default one). */
  readonly namespaceAliases?: readonly string[];
}

/** The body's optional `serviceName` and `namespace` must name the function of the path. */
function checkBodyNames(body: Readonly<Record<string, unknown>>, fn: ScaleTarget): void {
  const checks: readonly (readonly [string, string, readonly string[]])[] = [
    ['serviceName', fn.name, []],
    ['namespace', fn.namespace, fn.namespaceAliases ?? []],
  ];
  for (const [field, want, aliases] of checks) {
    const given = body[field];
    if (given !== undefined && given !== want && !(typeof given === 'string' && aliases.includes(given)))
      throw new SpoolError('INVALID_REQUEST', `body ${field} must be "${want}" as in the path`);
  }
}

/** The replica count a body asks for, after checking it names this function and stays within `scale.max`. */
export function scaleReplicas(body: unknown, fn: ScaleTarget): number {
  if (!isRecord(body))
    throw new SpoolError('INVALID_REQUEST', 'body must be JSON {"replicas": <integer ≥ 0>}');
  const unknown = Object.keys(body).find((k) => !BODY_KEYS.has(k));
  if (unknown !== undefined) throw new SpoolError('INVALID_REQUEST', `unknown body field "${unknown}"`);
  checkBodyNames(body, fn);
  const replicas = body['replicas'];
  if (typeof replicas !== 'number' || !Number.isSafeInteger(replicas) || replicas < 0) {
    throw new SpoolError('INVALID_REQUEST', 'body must be JSON {"replicas": <integer ≥ 0>}');
  }
  if (replicas > fn.scale.max) {
    throw new SpoolError(
      'REPLICAS_OUT_OF_RANGE',
      `replicas ${replicas} is above scale.max ${fn.scale.max} of ${fn.namespace}/${fn.name}`,
    );
  }
  return replicas;
}
