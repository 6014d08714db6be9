// A container's environment, built the way the kubelet builds it: service links, envFrom, env with $(VAR) expansion, downward API.
import type { V1Container, V1EnvVar, V1Pod, V1Service } from '@kubernetes/client-node';

export interface PodEnvContext {
  readonly pod: V1Pod;
  readonly podIp: string;
  readonly hostIp: string;
  /** Services whose links go into the env: the pod's namespace plus `default/kubernetes`. */
  readonly services: readonly V1Service[];
  readonly readSecretData: (namespace: string, name: string) => Promise<Record<string, string> | undefined>;
  readonly readConfigMapData: (namespace: string, name: string) => Promise<Record<string, string> | undefined>;
}

/** Service links (enableServiceLinks, on by default), as in pkg/kubelet/envvars. */
export function serviceLinkEnv(services: readonly V1Service[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const service of services) {
    const ip = service.spec?.clusterIP;
    const ports = service.spec?.ports ?? [];
    const first = ports[0];
    if (!ip || ip === 'None' || !first) continue;
    const prefix = (service.metadata?.name ?? '').toUpperCase().replace(/-/g, '_');
    env[`${prefix}_SERVICE_HOST`] = ip;
    env[`${prefix}_SERVICE_PORT`] = String(first.port);
    env[`${prefix}_PORT`] = `${(first.protocol ?? 'TCP').toLowerCase()}://${ip}:${first.port}`;
    for (const port of ports) {
      const protocol = port.protocol ?? 'TCP';
      if (port.name) env[`${prefix}_SERVICE_PORT_${port.name.toUpperCase().replace(/-/g, '_')}`] = String(port.port);
      const portPrefix = `${prefix}_PORT_${port.port}_${protocol}`;
      env[portPrefix] = `${protocol.toLowerCase()}://${ip}:${port.port}`;
      env[`${portPrefix}_PROTO`] = protocol.toLowerCase();
      env[`${portPrefix}_PORT`] = String(port.port);
      env[`${portPrefix}_ADDR`] = ip;
    }
  }
  return env;
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
  const pod = context.pod;
  const namespace = pod.metadata?.namespace ?? 'default';
  const env: Record<string, string> = { ...baseEnv };
  if (pod.spec?.enableServiceLinks !== false) Object.assign(env, serviceLinkEnv(context.services));
  for (const source of container.envFrom ?? []) {
    const data = source.secretRef
      ? await context.readSecretData(namespace, source.secretRef.name ?? '')
      : await context.readConfigMapData(namespace, source.configMapRef?.name ?? '');
    const optional = source.secretRef?.optional ?? source.configMapRef?.optional ?? false;
    if (data === undefined && !optional) throw new Error(`envFrom source of container ${container.name} not found`);
    for (const [key, value] of Object.entries(data ?? {})) env[`${source.prefix ?? ''}${key}`] = value;
  }
  for (const variable of container.env ?? []) {
    const value = await envVarValue(context, variable, env);
    if (value !== undefined) env[variable.name] = value;
  }
  return env;
}

async function envVarValue(
  context: PodEnvContext,
  variable: V1EnvVar,
  env: Readonly<Record<string, string>>,
): Promise<string | undefined> {
  if (variable.value !== undefined) return expandVariables(variable.value, env);
  const from = variable.valueFrom;
  if (!from) return '';
  const namespace = context.pod.metadata?.namespace ?? 'default';
  if (from.fieldRef) return downwardField(context, from.fieldRef.fieldPath);
  if (from.secretKeyRef) {
    const data = await context.readSecretData(namespace, from.secretKeyRef.name ?? '');
    return requiredKey(data, from.secretKeyRef.key, from.secretKeyRef.optional, `secret ${from.secretKeyRef.name ?? ''}`);
  }
  if (from.configMapKeyRef) {
    const data = await context.readConfigMapData(namespace, from.configMapKeyRef.name ?? '');
    const ref = from.configMapKeyRef;
    return requiredKey(data, ref.key, ref.optional, `configmap ${ref.name ?? ''}`);
  }
  // resourceFieldRef: the process node enforces no limits, so it reports none.
  return '0';
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

export function downwardField(context: Pick<PodEnvContext, 'pod' | 'podIp' | 'hostIp'>, fieldPath: string): string {
  const { pod } = context;
  const labelOrAnnotation = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
  if (labelOrAnnotation) {
    const map = labelOrAnnotation[1] === 'labels' ? pod.metadata?.labels : pod.metadata?.annotations;
    return map?.[labelOrAnnotation[2] ?? ''] ?? '';
  }
  const fields: Record<string, string | undefined> = {
    'metadata.name': pod.metadata?.name,
    'metadata.namespace': pod.metadata?.namespace,
    'metadata.uid': pod.metadata?.uid,
    'spec.nodeName': pod.spec?.nodeName,
    'spec.serviceAccountName': pod.spec?.serviceAccountName,
    'status.podIP': context.podIp,
    'status.podIPs': context.podIp,
    'status.hostIP': context.hostIp,
    'status.hostIPs': context.hostIp,
  };
  const value = fields[fieldPath];
  if (value === undefined) throw new Error(`unsupported downward API field ${fieldPath}`);
  return value;
}
