// The Function resource: its envelope, defaulting and validation (the spec's rules live in function-schema.ts).
import {
  functionSpecSchema,
  type FunctionSpec,
  type FunctionSpecInput,
  type FunctionStatus,
} from './function-schema.js';
import { API_GROUP, API_VERSION, FUNCTION_KIND, type FunctionRef } from './names.js';
import { SpoolError } from './errors.js';
import { validate, withDefaults, type Problem } from './schema.js';

export const FUNCTION_API_VERSION = `${API_GROUP}/${API_VERSION}` as const;

export interface FunctionMetadata {
  readonly name: string;
  readonly namespace?: string;
  readonly uid?: string;
  readonly generation?: number;
  readonly resourceVersion?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

/** A Function as written by a user or stored by the API server. */
export interface FunctionResource {
  readonly apiVersion: typeof FUNCTION_API_VERSION;
  readonly kind: typeof FUNCTION_KIND;
  readonly metadata: FunctionMetadata;
  readonly spec: FunctionSpecInput;
  readonly status?: FunctionStatus;
}

/** A Function whose spec has every default filled in and has been validated. */
export interface ResolvedFunction extends Omit<FunctionResource, 'spec'> {
  readonly metadata: FunctionMetadata & { readonly namespace: string };
  readonly spec: FunctionSpec;
}

/** DNS-1035 label, at most 60 characters so that `fn-NAME` is still a valid object name. */
export const FUNCTION_NAME_PATTERN = '^[a-z]([-a-z0-9]{0,58}[a-z0-9])?$';
const functionNameRegExp = new RegExp(FUNCTION_NAME_PATTERN);
/**
 * DNS-1123 label, as Kubernetes requires of namespaces. Local mode names files and log folders after it, so a
 * namespace like `../../tmp/x` must never get through.
 */
export const NAMESPACE_PATTERN = '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$';
const namespaceRegExp = new RegExp(NAMESPACE_PATTERN);

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function envelopeProblems(value: Record<string, unknown>): Problem[] {
  const problems: Problem[] = [];
  if (value['apiVersion'] !== FUNCTION_API_VERSION)
    problems.push({ path: 'apiVersion', message: `must be ${FUNCTION_API_VERSION}` });
  if (value['kind'] !== FUNCTION_KIND) problems.push({ path: 'kind', message: `must be ${FUNCTION_KIND}` });
  const metadata = value['metadata'];
  const name = isRecord(metadata) ? metadata['name'] : undefined;
  if (typeof name !== 'string' || !functionNameRegExp.test(name)) {
    problems.push({
      path: 'metadata.name',
      message:
        'must be a DNS label of at most 60 characters: lower-case letters, digits and -, starting with a letter',
    });
  }
  const namespace = isRecord(metadata) ? metadata['namespace'] : undefined;
  if (namespace !== undefined && (typeof namespace !== 'string' || !namespaceRegExp.test(namespace))) {
    problems.push({
      path: 'metadata.namespace',
      message: 'must be a DNS label of at most 63 characters: lower-case letters, digits and -',
    });
  }
  return problems;
}

/** Every problem with a Function after defaulting, as the API server would report them. Empty means valid. */
export function validateFunction(value: unknown): Problem[] {
  if (!isRecord(value)) return [{ path: '', message: 'must be an object' }];
  const spec = withDefaults(functionSpecSchema, value['spec']);
  return [...envelopeProblems(value), ...validate(functionSpecSchema, spec, 'spec')];
}

export const formatProblems = (problems: readonly Problem[]): string =>
  problems.map((p) => `${p.path || '(root)'} ${p.message}`).join('; ');

/** Validates and defaults a Function, or throws `INVALID_FUNCTION` listing every problem. */
export function resolveFunction(value: unknown, defaultNamespace = 'default'): ResolvedFunction {
  const problems = validateFunction(value);
  if (problems.length > 0) {
    const name =
      isRecord(value) && isRecord(value['metadata']) ? String(value['metadata']['name']) : '(unnamed)';
    throw new SpoolError('INVALID_FUNCTION', `Function ${name}: ${formatProblems(problems)}`);
  }
  const fn = value as FunctionResource;
  return {
    ...fn,
    metadata: { ...fn.metadata, namespace: fn.metadata.namespace ?? defaultNamespace },
    spec: withDefaults(functionSpecSchema, fn.spec) as FunctionSpec,
  };
}

export const functionRef = (fn: ResolvedFunction): FunctionRef => ({
  namespace: fn.metadata.namespace,
  name: fn.metadata.name,
});
