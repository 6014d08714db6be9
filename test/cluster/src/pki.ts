// The cluster's certificates and service-account keys, made with openssl into .cluster/pki.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { allApiserverServiceIps } from './network.js';
import { paths } from './paths.js';

export interface ClientIdentity {
  /** File stem under .cluster/pki. */
  readonly name: string;
  /** The user name the API server sees. */
  readonly commonName: string;
  /** The groups the API server sees. */
  readonly organizations: readonly string[];
}

export const identities = {
  admin: { name: 'admin', commonName: 'spool-admin', organizations: ['system:masters'] },
  controllerManager: {
    name: 'controller-manager',
    commonName: 'system:kube-controller-manager',
    organizations: [],
  },
  scheduler: { name: 'scheduler', commonName: 'system:kube-scheduler', organizations: [] },
  // How the API server authenticates to the node's kubelet endpoint (for `kubectl logs`).
  apiserverKubeletClient: {
    name: 'apiserver-kubelet-client',
    commonName: 'kube-apiserver-kubelet-client',
    organizations: [],
  },
  // The process node authenticates exactly as a kubelet would, so the Node
  // authorizer and NodeRestriction admission apply to it.
  processNode: (nodeName: string): ClientIdentity => ({
    name: 'process-node',
    commonName: `system:node:${nodeName}`,
    organizations: ['system:nodes'],
  }),
} as const;

export const pki = {
  caCert: join(paths.pki, 'ca.crt'),
  caKey: join(paths.pki, 'ca.key'),
  apiserverCert: join(paths.pki, 'apiserver.crt'),
  apiserverKey: join(paths.pki, 'apiserver.key'),
  nodeServingCert: join(paths.pki, 'process-node-serving.crt'),
  nodeServingKey: join(paths.pki, 'process-node-serving.key'),
  serviceAccountKey: join(paths.pki, 'sa.key'),
  serviceAccountPub: join(paths.pki, 'sa.pub'),
  clientCert: (identity: ClientIdentity): string => join(paths.pki, `${identity.name}.crt`),
  clientKey: (identity: ClientIdentity): string => join(paths.pki, `${identity.name}.key`),
} as const;

export interface PkiOptions {
  readonly clients: readonly ClientIdentity[];
}

/** Creates whatever is missing; existing files are kept so a restarted cluster keeps trusting old tokens. */
export function ensurePki(options: PkiOptions): void {
  mkdirSync(paths.pki, { recursive: true, mode: 0o700 });
  if (!existsSync(pki.caCert)) {
    newKey(pki.caKey);
    openssl([
      'req',
      '-x509',
      '-new',
      '-key',
      pki.caKey,
      '-subj',
      '/CN=spool-test-ca',
      '-days',
      '3650',
      '-out',
      pki.caCert,
    ]);
  }
  // Every network slot's `kubernetes` Service address, so the certificate serves whichever slot `up` gets.
  const altNames = [
    'IP:127.0.0.1',
    ...allApiserverServiceIps().map((ip) => `IP:${ip}`),
    'DNS:localhost',
    'DNS:kubernetes',
    'DNS:kubernetes.default',
    'DNS:kubernetes.default.svc',
    'DNS:kubernetes.default.svc.cluster.local',
  ].join(',');
  const namesFile = `${pki.apiserverCert}.names`;
  const namedBefore = existsSync(namesFile) ? readFileSync(namesFile, 'utf8') : undefined;
  if (!existsSync(pki.apiserverCert) || namedBefore !== altNames) {
    signCertificate(pki.apiserverKey, pki.apiserverCert, '/CN=kube-apiserver', [
      'extendedKeyUsage=serverAuth',
      `subjectAltName=${altNames}`,
    ]);
    writeFileSync(namesFile, altNames);
  }
  if (!existsSync(pki.nodeServingCert)) {
    signCertificate(pki.nodeServingKey, pki.nodeServingCert, '/CN=spool-process-node', [
      'extendedKeyUsage=serverAuth',
      'subjectAltName=IP:127.0.0.1,DNS:spool-process-node',
    ]);
  }
  for (const identity of options.clients) {
    if (existsSync(pki.clientCert(identity))) continue;
    const subject = ['', ...identity.organizations.map((o) => `O=${o}`), `CN=${identity.commonName}`].join(
      '/',
    );
    signCertificate(pki.clientKey(identity), pki.clientCert(identity), subject, [
      'extendedKeyUsage=clientAuth',
    ]);
  }
  if (!existsSync(pki.serviceAccountKey)) {
    // RSA because every token consumer accepts RS256.
    openssl([
      'genpkey',
      '-algorithm',
      'RSA',
      '-pkeyopt',
      'rsa_keygen_bits:2048',
      '-out',
      pki.serviceAccountKey,
    ]);
    openssl(['pkey', '-in', pki.serviceAccountKey, '-pubout', '-out', pki.serviceAccountPub]);
  }
}

function newKey(keyFile: string): void {
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', keyFile]);
}

function signCertificate(
  keyFile: string,
  certFile: string,
  subject: string,
  extensions: readonly string[],
): void {
  newKey(keyFile);
  const csr = `${certFile}.csr`;
  const extFile = `${certFile}.ext`;
  writeFileSync(
    extFile,
    ['basicConstraints=CA:FALSE', 'keyUsage=digitalSignature,keyEncipherment', ...extensions].join('\n') +
      '\n',
  );
  openssl(['req', '-new', '-key', keyFile, '-subj', subject, '-out', csr]);
  openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    pki.caCert,
    '-CAkey',
    pki.caKey,
    '-CAcreateserial',
    '-days',
    '3650',
    '-extfile',
    extFile,
    '-out',
    certFile,
  ]);
}

function openssl(args: readonly string[]): void {
  try {
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (cause) {
    throw new Error(`openssl ${args[0] ?? ''} failed`, { cause });
  }
}
