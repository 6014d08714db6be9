// A container's environment, built the way the kubelet builds it: service links, envFrom, env with $(VAR) expansion, downward API.
import type {
  V1Container,
  V1EnvFromSource,
  V1EnvVar,
  V1Pod,
  V1Service,
  V1ServicePort,
} from '@kubernetes/client-node';

export interface PodEnvContext {
  readonly pod: V1Pod;
  readonly podIp: string;
  readonly hostIp: string;
  /** Services whose links go into the env: the pod's namespace plus `default/kubernetes`. */
  readonly services: readonly V1Service[];
  readonly readSecretData: (namespace: string, name: string) => Promise<Record<string, string> | undefined>;
  readonly readConfigMapData: (
    namespace: string,
    name: string,
  ) => Promise<Record<string, string> | undefined>;
}

/** Service links (enableServiceLinks, on by default), as in pkg/kubelet/envvars. */
export function serviceLinkEnv(services: readonly V1Service[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const service of services) Object.assign(env, oneServiceLinks(service));
  return env;
}

function envName(name: string): string {
  return name.toUpperCase().replace(/-/g, '_');
}

function oneServiceLinks(service: V1Service): Record<string, string> {
  const spec = service.spec ?? {};
  const ip = spec.clusterIP ?? 'None';
  const ports = spec.ports ?? [];
  const first = ports[0];
  if (ip === 'None' || !first) return {};
  const prefix = envName(service.metadata?.name ?? '');
  const env: Record<string, string> = {
    [`${prefix}_SERVICE_HOST`]: ip,
    [`${prefix}_SERVICE_PORT`]: String(first.port),
    [`${prefix}_PORT`]: `${(first.protocol ?? 'TCP').toLowerCase()}://${ip}:${first.port}`,
  };
  for (const port of ports) Object.assign(env, portLinks(prefix, ip, port));
  return env;
}

function portLinks(prefix: string, ip: string, port: V1ServicePort): Record<string, string> {
  const protocol = port.protocol ?? 'TCP';
  const portPrefix = `${prefix}_PORT_${port.port}_${protocol}`;
  return {
    ...(port.name ? { [`${prefix}_SERVICE_PORT_${envName(port.name)}`]: String(port.port) } : {}),
    [portPrefix]: `${protocol.toLowerCase()}://${ip}:${port.port}`,
    [`${portPrefix}_PROTO`]: protocol.toLowerCase(),
    [`${portPrefix}_PORT`]: String(port.port),
    [`${portPrefix}_ADDR`]: ip,
  };
}

/** `$(NAME)` expands to an earlier variable, `$$(NAME)` escapes, unknown names stay as written. */
export function expandVariables(text: string, env: Readonly<Record<string, string>>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (match, name: string | undefined) => {
    if (match === '$$') return '$';
    return name !== undefined && env[name] !== undefined ? env[name] : match;
  });
}

export async function containerEnv(
  context: PodEnvContext,
  container: V1Container,
  baseEnv: Readonly<Record<string, string>>,
): Promise<Record<string, string>> {
  const env: Record<string, string> = { ...baseEnv };
  if (context.pod.spec?.enableServiceLinks !== false) Object.assign(env, serviceLinkEnv(context.services));
  for (const source of container.envFrom ?? []) Object.assign(env, await envFromValues(context, source));
  for (const variable of container.env ?? []) {
    const value = await envVarValue(context, variable, env);
    if (value !== undefined) env[variable.name] = value;
  }
  return env;
}

function namespaceOf(context: PodEnvContext): string {
  return context.pod.metadata?.namespace ?? 'default';
}

async function envFromValues(
  context: PodEnvContext,
  source: V1EnvFromSource,
): Promise<Record<string, string>> {
  const ref = source.secretRef ?? source.configMapRef ?? {};
  const read = source.secretRef ? context.readSecretData : context.readConfigMapData;
  const data = await read(namespaceOf(context), ref.name ?? '');
  if (data === undefined && !ref.optional) throw new Error(`envFrom source ${ref.name ?? ''} not found`);
  const prefix = source.prefix ?? '';
  return Object.fromEntries(Object.entries(data ?? {}).map(([key, value]) => [`${prefix}${key}`, value]));
}

async function envVarValue(
  context: PodEnvContext,
  variable: V1EnvVar,
  env: Readonly<Record<string, string>>,
): Promise<string | undefined> {
  if (variable.value !== undefined) return expandVariables(variable.value, env);
  const from = variable.valueFrom ?? {};
  if (from.fieldRef) return downwardField(context, from.fieldRef.fieldPath);
  if (from.secretKeyRef)
    return keyRefValue(context.readSecretData, namespaceOf(context), from.secretKeyRef, 'secret');
  if (from.configMapKeyRef) {
    return keyRefValue(context.readConfigMapData, namespaceOf(context), from.configMapKeyRef, 'configmap');
  }
  // resourceFieldRef: the process node enforces no limits, so it reports none.
  return from.resourceFieldRef ? '0' : '';
}

async function keyRefValue(
  read: PodEnvContext['readSecretData'],
  namespace: string,
  ref: { name?: string; key: string; optional?: boolean },
  what: string,
): Promise<string | undefined> {
  const data = await read(namespace, ref.name ?? '');
  return requiredKey(data, ref.key, ref.optional, `${what} ${ref.name ?? ''}`);
}

function requiredKey(
  data: Record<string, string> | undefined,
  key: string,
  optional: boolean | undefined,
  what: string,
): string | undefined {
  const value = data?.[key];
  if (value === undefined && !optional) throw new Error(`key ${key} not found in ${what}`);
  return value;
}

export function downwardField(
  context: Pick<PodEnvContext, 'pod' | 'podIp' | 'hostIp'>,
  fieldPath: string,
): string {
  const metadata = context.pod.metadata ?? {};
  const spec = context.pod.spec ?? { containers: [] };
  const labelOrAnnotation = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
  if (labelOrAnnotation) {
    const map = (labelOrAnnotation[1] === 'labels' ? metadata.labels : metadata.annotations) ?? {};
    return map[labelOrAnnotation[2] ?? ''] ?? '';
  }
  const fields: Record<string, string | undefined> = {
    'metadata.name': metadata.name,
    'metadata.namespace': metadata.namespace,
    'metadata.uid': metadata.uid,
    'spec.nodeName': spec.nodeName,
    'spec.serviceAccountName': spec.serviceAccountName,
    'status.podIP': context.podIp,
    'status.podIPs': context.podIp,
    'status.hostIP': context.hostIp,
    'status.hostIPs': context.hostIp,
  };
  const value = fields[fieldPath];
  if (value === undefined) throw new Error(`unsupported downward API field ${fieldPath}`);
  return value;
}
