// Writes kubeconfig files: the admin's, each component's, and each pod's service-account one.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export type KubeconfigCredentials =
  { readonly clientCertificate: string; readonly clientKey: string } | { readonly tokenFile: string };

export interface KubeconfigOptions {
  readonly server: string;
  readonly caFile: string;
  readonly user: string;
  readonly credentials: KubeconfigCredentials;
  readonly namespace?: string;
}

/** Renders a one-context kubeconfig as JSON, which is valid YAML and needs no YAML library. */
export function renderKubeconfig(options: KubeconfigOptions): string {
  const user =
    'tokenFile' in options.credentials
      ? { tokenFile: options.credentials.tokenFile }
      : {
          'client-certificate': options.credentials.clientCertificate,
          'client-key': options.credentials.clientKey,
        };
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name: 'spool-test', cluster: { server: options.server, 'certificate-authority': options.caFile } },
    ],
    users: [{ name: options.user, user }],
    contexts: [
      {
        name: 'spool-test',
        context: {
          cluster: 'spool-test',
          user: options.user,
          ...(options.namespace ? { namespace: options.namespace } : {}),
        },
      },
    ],
    'current-context': 'spool-test',
  };
  return JSON.stringify(config, null, 2) + '\n';
}

export function writeKubeconfig(file: string, options: KubeconfigOptions): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, renderKubeconfig(options), { mode: 0o600 });
}
