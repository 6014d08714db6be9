// A pod's /etc/hosts: its own name, and every Service's names at its ClusterIP (the node's stand-in for cluster DNS).
import type { V1Service } from '@kubernetes/client-node';

export const clusterDomain = 'cluster.local';

export function renderHostsFile(
  podName: string,
  podIp: string,
  namespace: string,
  services: readonly V1Service[],
): string {
  const lines = ['127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback', `${podIp}\t${podName}`];
  for (const service of services) {
    const ip = service.spec?.clusterIP;
    const name = service.metadata?.name;
    const serviceNamespace = service.metadata?.namespace;
    if (!ip || ip === 'None' || !name || !serviceNamespace) continue;
    const qualified = [
      `${name}.${serviceNamespace}`,
      `${name}.${serviceNamespace}.svc`,
      `${name}.${serviceNamespace}.svc.${clusterDomain}`,
    ];
    // A bare name resolves only in the pod's own namespace, as the search path in a pod's resolv.conf makes it.
    const names = serviceNamespace === namespace ? [name, ...qualified] : qualified;
    lines.push(`${ip}\t${names.join(' ')}`);
  }
  return lines.join('\n') + '\n';
}
