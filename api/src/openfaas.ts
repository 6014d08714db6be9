// OpenFaaS compatibility, decided without I/O: namespace aliasing, admin credentials, and the faas-provider
// `types.FunctionStatus` shape of a Function (field names and omitempty rules as in faas-provider's Go types).
import type { FunctionResource, ResolvedFunction } from './function.js';
import { parseInvocationName, type FunctionRef } from './names.js';

/** How OpenFaaS namespace names map onto Spool's: `openfaas` clients address `openfaas-fn` by default. */
export interface NamespaceAliasing {
  readonly defaultNamespace: string;
  /** Served as `defaultNamespace`; empty: no alias. */
  readonly openfaasNamespace: string;
}

export const servedNamespace = (namespace: string, aliasing: NamespaceAliasing): string =>
  aliasing.openfaasNamespace !== '' && namespace === aliasing.openfaasNamespace
    ? aliasing.defaultNamespace
    : namespace;

/** `NAME[.NAMESPACE]` (split at the last dot) with the alias applied; `queryNamespace` stands in for a missing one. */
export function openfaasRef(raw: string, aliasing: NamespaceAliasing, queryNamespace?: string): FunctionRef {
  const fallback =
    queryNamespace === undefined || queryNamespace === '' ? aliasing.defaultNamespace : queryNamespace;
  const ref = parseInvocationName(raw, fallback);
  return { name: ref.name, namespace: servedNamespace(ref.namespace, aliasing) };
}

/** The credentials an Authorization header carries: Bearer TOKEN, or Basic base64(USER:TOKEN) as faas-cli sends. */
export type AdminCredentials =
  | { readonly scheme: 'bearer'; readonly token: string }
  | { readonly scheme: 'basic'; readonly user: string; readonly token: string }
  | { readonly scheme: 'none' };

export function parseAuthorization(header: string | undefined): AdminCredentials {
  const [scheme = '', value = ''] = (header ?? '').trim().split(/\s+/, 2);
  if (scheme.toLowerCase() === 'bearer' && value !== '') return { scheme: 'bearer', token: value };
  if (scheme.toLowerCase() !== 'basic' || value === '') return { scheme: 'none' };
  const decodedValue = Buffer.from(value, 'base64').toString('utf8');
  // RFC 7617: the user id holds no colon; the password may.
  const colon = decodedValue.indexOf(':');
  if (colon < 0) return { scheme: 'none' };
  return { scheme: 'basic', user: decodedValue.slice(0, colon), token: decodedValue.slice(colon + 1) };
}

/** faas-provider `types.FunctionResources`. */
export interface OpenfaasResources {
  readonly memory?: string;
  readonly cpu?: string;
}

/** The OpenFaaS fields of faas-provider `types.FunctionStatus` that Spool can fill (`usage` and `constraints` it cannot). */
export interface OpenfaasFunctionStatus {
  readonly name: string;
  readonly namespace: string;
  readonly image: string;
  readonly invocationCount: number;
  readonly replicas: number;
  readonly availableReplicas: number;
  readonly envProcess: string;
  readonly envVars: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly limits?: OpenfaasResources;
  readonly requests?: OpenfaasResources;
  readonly readOnlyRootFilesystem: boolean;
  readonly secrets: readonly string[];
  /** RFC 3339; the creation time of the Function object, or when the controller first served it (local mode). */
  readonly createdAt?: string;
}

/** What is observed rather than declared: replica counts, the shared invocation counter, the creation time. */
export interface OpenfaasObservation {
  readonly replicas: number;
  readonly availableReplicas: number;
  readonly invocationCount: number;
  readonly createdAt: string | undefined;
}

function resources(quantities: Readonly<Record<string, string>> | undefined): OpenfaasResources | undefined {
  if (quantities === undefined) return undefined;
  const out: { memory?: string; cpu?: string } = {};
  if (quantities['memory'] !== undefined) out.memory = quantities['memory'];
  if (quantities['cpu'] !== undefined) out.cpu = quantities['cpu'];
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The watchdog's `fprocess` in OpenFaaS terms: the user command and its arguments, space-joined. */
export const envProcessOf = (fn: Pick<ResolvedFunction, 'spec'>): string =>
  [...fn.spec.command, ...fn.spec.args].join(' ');

/** A Function as faas-provider's `types.FunctionStatus`. */
export function openfaasStatus(fn: ResolvedFunction, seen: OpenfaasObservation): OpenfaasFunctionStatus {
  const limits = resources(fn.spec.resources?.limits);
  const requests = resources(fn.spec.resources?.requests);
  return {
    name: fn.metadata.name,
    namespace: fn.metadata.namespace,
    image: fn.spec.image,
    invocationCount: seen.invocationCount,
    replicas: seen.replicas,
    availableReplicas: seen.availableReplicas,
    envProcess: envProcessOf(fn),
    envVars: Object.fromEntries(fn.spec.env.map((v) => [v.name, v.value])),
    labels: { ...fn.metadata.labels },
    annotations: { ...fn.metadata.annotations },
    ...(limits ? { limits } : {}),
    ...(requests ? { requests } : {}),
    readOnlyRootFilesystem: false,
    secrets: [],
    ...(seen.createdAt !== undefined ? { createdAt: seen.createdAt } : {}),
  };
}

/** The creation time the API server stamped on a Function object, when the object carries one. */
export function creationTimestampOf(fn: Pick<FunctionResource, 'metadata'>): string | undefined {
  const stamp = (fn.metadata as { readonly creationTimestamp?: unknown }).creationTimestamp;
  if (typeof stamp === 'string') return stamp;
  return stamp instanceof Date ? stamp.toISOString() : undefined;
}

/** Node's `process.arch` in the Go names OpenFaaS's `/system/info` reports (`amd64`, `arm64`, …). */
export function goArch(nodeArch: string): string {
  const names: Readonly<Record<string, string>> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm' };
  return names[nodeArch] ?? nodeArch;
}
