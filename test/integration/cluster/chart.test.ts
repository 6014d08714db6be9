// The chart as a platform team meets it: lint-clean, accepted by the real API server, refusing bad values
// with the path of the bad value, and deploy/spool.yaml (the chart for kubectl users) current.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { parseAllDocuments } from 'yaml';
import { binaryPaths } from '@spool/test-cluster';
import { chartDir, plainManifestPath, renderChart, renderPlainManifest } from '../../../scripts/chart.js';
import { helm, kubectl } from '../../support/cluster.js';
import { repoRoot } from '../../support/local-functions.js';

jest.setTimeout(60_000);

let home: string;
beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'spool-helm-'));
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

const helmBinary = (): string => binaryPaths().helm;

function kindsOf(manifest: string): string[] {
  return parseAllDocuments(manifest)
    .map((doc) => doc.toJS() as { kind?: string; metadata?: { name?: string } } | null)
    .filter((object) => object?.kind)
    .map((object) => `${object?.kind}/${object?.metadata?.name}`)
    .sort();
}

describe('the Helm chart', () => {
  test('helm lint --strict is clean', async () => {
    expect(await helm(['lint', '--strict', chartDir], home)).toContain('0 chart(s) failed');
  });

  test('helm template | kubectl apply --dry-run=server is accepted by the API server', async () => {
    const file = join(home, 'rendered.yaml');
    writeFileSync(
      file,
      renderChart(helmBinary(), { release: 'dry-run', namespace: 'default', includeCrds: true }),
    );
    const applied = await kubectl(['apply', '--dry-run=server', '-f', file]);
    expect(applied).toContain('deployment.apps/dry-run-spool-gateway created (server dry run)');
    expect(applied).toContain('statefulset.apps/dry-run-spool-redis created (server dry run)');
    expect(applied).toContain('networkpolicy.networking.k8s.io/dry-run-spool-redis created (server dry run)');
  });

  test('renders every object a platform team expects, and the monitors on request', () => {
    const defaults = kindsOf(renderChart(helmBinary(), { release: 'spool', namespace: 'spool-system' }));
    expect(defaults).toEqual(
      [
        'ClusterRole/spool-controller',
        'ClusterRole/spool-gateway',
        'ClusterRoleBinding/spool-controller',
        'ClusterRoleBinding/spool-gateway',
        'Deployment/spool-controller',
        'Deployment/spool-gateway',
        'NetworkPolicy/spool-redis',
        'PodDisruptionBudget/spool-controller',
        'PodDisruptionBudget/spool-gateway',
        'Role/spool-controller-leader-election',
        'RoleBinding/spool-controller-leader-election',
        'Secret/spool-admin-token',
        'Secret/spool-redis-auth',
        'Service/spool-controller-metrics',
        'Service/spool-gateway',
        'Service/spool-redis',
        'ServiceAccount/spool-controller',
        'ServiceAccount/spool-gateway',
        'StatefulSet/spool-redis',
      ].sort(),
    );
    const monitored = kindsOf(
      renderChart(helmBinary(), {
        release: 'spool',
        namespace: 'spool-system',
        values: { 'serviceMonitor.enabled': 'true' },
        showOnly: ['templates/servicemonitor.yaml'],
      }),
    );
    expect(monitored).toEqual([
      'PodMonitor/spool-functions',
      'ServiceMonitor/spool-controller',
      'ServiceMonitor/spool-gateway',
    ]);
  });

  test.each([
    { set: 'gateway.replica=1', message: "additional properties 'replica' not allowed" },
    { set: 'gateway.replicas=0', message: "at '/gateway/replicas': minimum" },
    { set: 'image.pullPolicy=Sometimes', message: "at '/image/pullPolicy'" },
    { set: 'redis.bundled=false', message: "at '/redis/external/url': minLength" },
    { set: 'redis.external.url=http://redis:6379', message: "at '/redis/external/url'" },
  ])('refuses $set with the path of the bad value', async ({ set, message }) => {
    const error = await helm(['template', 'bad', chartDir, '--set', set], home).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain(message);
  });

  test('an external Redis URL in a Secret needs the Secret function pods read', async () => {
    const error = await helm(
      [
        'template',
        'bad',
        chartDir,
        '--set',
        'redis.bundled=false',
        '--set',
        'redis.external.existingSecret=r',
      ],
      home,
    ).catch((e: Error) => e);
    expect((error as Error).message).toContain("at '/redis/external/functionSecret': minLength");
  });

  describe('watchNamespaces: Roles per namespace instead of ClusterRoles', () => {
    const namespaced = { watchNamespaces: '{default,kube-public}' };

    test('helm lint --strict is clean with watchNamespaces set', async () => {
      expect(
        await helm(['lint', '--strict', chartDir, '--set', 'watchNamespaces={default,kube-public}'], home),
      ).toContain('0 chart(s) failed');
    });

    test('renders a Role and RoleBinding per namespace for each component, and no ClusterRole', () => {
      const rendered = renderChart(helmBinary(), {
        release: 'spool',
        namespace: 'spool-system',
        values: namespaced,
      });
      const rbac = parseAllDocuments(rendered)
        .map(
          (doc) => doc.toJS() as { kind?: string; metadata?: { name?: string; namespace?: string } } | null,
        )
        .filter((o) => o?.kind?.includes('Role'))
        .map((o) => `${o?.kind}/${o?.metadata?.namespace ?? '-'}/${o?.metadata?.name}`)
        .sort();
      expect(rbac).toEqual(
        [
          'Role/default/spool-controller',
          'Role/default/spool-gateway',
          'Role/kube-public/spool-controller',
          'Role/kube-public/spool-gateway',
          'Role/spool-system/spool-controller-leader-election',
          'RoleBinding/default/spool-controller',
          'RoleBinding/default/spool-gateway',
          'RoleBinding/kube-public/spool-controller',
          'RoleBinding/kube-public/spool-gateway',
          'RoleBinding/spool-system/spool-controller-leader-election',
        ].sort(),
      );
      // Both components are told which namespaces to watch.
      expect(rendered.match(/SPOOL_NAMESPACES, value: "default,kube-public"/g)?.length).toBe(2);
    });

    test('is accepted by the API server (server dry run)', async () => {
      const file = join(home, 'namespaced.yaml');
      writeFileSync(
        file,
        renderChart(helmBinary(), { release: 'dry-ns', namespace: 'default', values: namespaced }),
      );
      const applied = await kubectl(['apply', '--dry-run=server', '-f', file]);
      expect(applied).toContain(
        'role.rbac.authorization.k8s.io/dry-ns-spool-gateway created (server dry run)',
      );
      expect(applied).not.toContain('clusterrole');
    });

    test.each([
      { set: ['watchNamespaces={Team_A}'], message: "at '/watchNamespaces/0'" },
      {
        set: ['watchNamespaces={team-a}', 'gateway.namespaces={team-b}'],
        message: 'gateway.namespaces: "team-b" is not in watchNamespaces',
      },
    ])('refuses $set', async ({ set, message }) => {
      const args = ['template', 'bad', chartDir, ...set.flatMap((v) => ['--set', v])];
      const error = await helm(args, home).catch((e: Error) => e);
      expect((error as Error).message).toContain(message);
    });
  });

  test(`${plainManifestPath} is current (npm run generate) and accepted by the API server`, async () => {
    const committed = readFileSync(join(repoRoot, plainManifestPath), 'utf8');
    expect(committed).toBe(renderPlainManifest(helmBinary()));
    // A server-side dry run creates nothing, so the namespace the file starts with must exist for real.
    await kubectl(['create', 'namespace', 'spool-system']).catch(() => undefined);
    const applied = await kubectl(['apply', '--dry-run=server', '-f', join(repoRoot, plainManifestPath)]);
    expect(applied).toContain('deployment.apps/spool-controller');
  });
});
