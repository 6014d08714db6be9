// A pod's service-account credentials: a bound token from the TokenRequest API, refreshed before it expires.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import type { ApiClient } from './api-client.js';
import { isServiceAccountTokenVolume } from './mount-plan.js';
import { writeKubeconfig } from '../kubeconfig.js';

// The kubelet asks for 3607 s and refreshes at 80 % of the lifetime; the same here.
const tokenLifetimeSeconds = 3607;
const refreshAtFraction = 0.8;

export interface ServiceAccountFiles {
  /** The token volume's files (token, ca.crt, namespace), bound where its volumeMount says, as any volume. */
  readonly dir: string;
  readonly tokenFile: string;
  /** KUBECONFIG for the pod's processes: the SA's token, the in-cluster address of the API server. */
  readonly kubeconfig: string;
}

interface TokenRequestAnswer {
  status: { token: string; expirationTimestamp: string };
}

/** True when the ServiceAccount admission plugin gave the pod its token volume (automount on). */
export function wantsServiceAccountToken(pod: V1Pod): boolean {
  return (pod.spec?.volumes ?? []).some(isServiceAccountTokenVolume);
}

export class ServiceAccountToken {
  private refreshTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly api: ApiClient,
    private readonly pod: V1Pod,
    readonly files: ServiceAccountFiles,
  ) {}

  static filesFor(podDir: string): ServiceAccountFiles {
    const dir = join(podDir, 'serviceaccount');
    return { dir, tokenFile: join(dir, 'token'), kubeconfig: join(podDir, 'kubeconfig') };
  }

  /** Writes the token, CA and namespace files and the kubeconfig, then keeps the token fresh. */
  async start(caFile: string, apiserverUrlInCluster: string): Promise<void> {
    const namespace = this.pod.metadata?.namespace ?? 'default';
    mkdirSync(this.files.dir, { recursive: true });
    copyFileSync(caFile, join(this.files.dir, 'ca.crt'));
    writeFileSync(join(this.files.dir, 'namespace'), namespace);
    await this.refresh();
    writeKubeconfig(this.files.kubeconfig, {
      server: apiserverUrlInCluster,
      caFile: join(this.files.dir, 'ca.crt'),
      user: `system:serviceaccount:${namespace}:${this.serviceAccountName()}`,
      credentials: { tokenFile: this.files.tokenFile },
      namespace,
    });
  }

  stop(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
  }

  private serviceAccountName(): string {
    return this.pod.spec?.serviceAccountName ?? 'default';
  }

  private async refresh(): Promise<void> {
    const namespace = this.pod.metadata?.namespace ?? 'default';
    const answer = await this.api.request<TokenRequestAnswer>(
      'POST',
      `/api/v1/namespaces/${namespace}/serviceaccounts/${this.serviceAccountName()}/token`,
      {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: {
          expirationSeconds: tokenLifetimeSeconds,
          // Bound to the pod: the token dies with it, as NodeRestriction requires of a node.
          boundObjectRef: {
            apiVersion: 'v1',
            kind: 'Pod',
            name: this.pod.metadata?.name,
            uid: this.pod.metadata?.uid,
          },
        },
      },
    );
    // In place, so a process that re-reads the file sees the new token.
    writeFileSync(this.files.tokenFile, answer.status.token, { mode: 0o600 });
    const lifetimeMs = Date.parse(answer.status.expirationTimestamp) - Date.now();
    this.refreshTimer = setTimeout(
      () => {
        this.refresh().catch((error: unknown) =>
          console.error(`token refresh for pod ${this.pod.metadata?.name ?? ''}`, error),
        );
      },
      Math.max(10_000, lifetimeMs * refreshAtFraction),
    );
    this.refreshTimer.unref();
  }
}
