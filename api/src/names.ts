// Every generated object name and label, so that no other module builds one.

export interface FunctionRef {
  readonly namespace: string;
  readonly name: string;
}

export const API_GROUP = 'spool.dev';
export const API_VERSION = 'v1alpha1';
export const FUNCTION_KIND = 'Function';
export const FUNCTION_PLURAL = 'functions';
/** The API path of Functions, in one namespace or (without one) across the cluster: what informers watch. */
export const functionsPath = (namespace?: string): string =>
  namespace
    ? `/apis/${API_GROUP}/${API_VERSION}/namespaces/${namespace}/${FUNCTION_PLURAL}`
    : `/apis/${API_GROUP}/${API_VERSION}/${FUNCTION_PLURAL}`;

export const FIELD_MANAGER = 'spool-controller';
/** Owns a function Deployment's spec.replicas, and nothing else. */
export const AUTOSCALER_FIELD_MANAGER = 'spool-autoscaler';
/** The watchdog's own server (health, readiness, metrics) in every function pod; `spec.port` may not take it. */
export const WATCHDOG_PORT = 8081;

/** Namespace of functions in local mode, and of `/function/NAME` without a `.NAMESPACE` suffix. */
export const DEFAULT_NAMESPACE = 'default';

/** `fn-` + name; function names are limited to 60 characters so this stays a valid DNS label. */
export const deploymentName = (ref: FunctionRef): string => `fn-${ref.name}`;

/**
 * The Secret in the function's namespace that holds its Redis password (key REDIS_SECRET_KEY), owned by the
 * Function so the garbage collector deletes it with it (docs/security.md, "Redis isolation").
 */
export const redisSecretName = (ref: FunctionRef): string => `fn-${ref.name}-redis`;
export const REDIS_SECRET_KEY = 'password';

/**
 * OpenFaaS's `function_name` metric label, `name.namespace`: the same form as `/function/NAME.NAMESPACE`, so
 * its dashboards and alerts work unchanged. Every service's metrics label functions with it.
 */
export const metricFunctionName = (ref: FunctionRef): string => `${ref.name}.${ref.namespace}`;

/** `namespace/name`: the key of work queues, maps and log lines. */
export const functionKey = (ref: FunctionRef): string => `${ref.namespace}/${ref.name}`;

export function parseFunctionKey(key: string): FunctionRef {
  const [namespace, name, ...rest] = key.split('/');
  if (!namespace || !name || rest.length > 0) throw new Error(`not a namespace/name key: "${key}"`);
  return { namespace, name };
}

/** The label that selects a function's pods and marks which function a Deployment belongs to. */
export const FUNCTION_LABEL = 'spool.dev/function';
/** Digest of the desired Deployment last applied, so an unchanged one is not applied again. */
export const APPLIED_HASH_ANNOTATION = 'spool.dev/applied-hash';

/** Labels on every object made for a function; the selector uses FUNCTION_LABEL alone. */
export const functionLabels = (ref: FunctionRef): Record<string, string> => ({
  'app.kubernetes.io/name': ref.name,
  'app.kubernetes.io/managed-by': 'spool',
  'app.kubernetes.io/component': 'function',
  [FUNCTION_LABEL]: ref.name,
});

export const selectorLabels = (ref: FunctionRef): Record<string, string> => ({ [FUNCTION_LABEL]: ref.name });

/**
 * Parses the OpenFaaS-style name in `/function/NAME[.NAMESPACE]`. Names and namespaces are DNS labels,
 * so they hold no dot and the split is unambiguous.
 */
export function parseInvocationName(raw: string, defaultNamespace = DEFAULT_NAMESPACE): FunctionRef {
  // At the last dot, as OpenFaaS splits `NAME.NAMESPACE`; names and namespaces are DNS labels, so either is one.
  const dot = raw.lastIndexOf('.');
  return dot < 0
    ? { namespace: defaultNamespace, name: raw }
    : { namespace: raw.slice(dot + 1), name: raw.slice(0, dot) };
}
