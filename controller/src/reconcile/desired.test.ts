import { describe, expect, test } from '@jest/globals';
import type { V1Container, V1Deployment } from '@kubernetes/client-node';
import {
  parseWatchdogConfig,
  resolveFunction,
  type FunctionSpecInput,
  type ResolvedFunction,
} from '@spool/api';
import {
  defaultDesiredDeploymentOptions,
  desiredDeployment,
  type DesiredDeploymentOptions,
} from './desired.js';

const functionFixture = (spec: Partial<FunctionSpecInput> = {}): ResolvedFunction =>
  resolveFunction({
    apiVersion: 'spool.dev/v1alpha1',
    kind: 'Function',
    metadata: { name: 'echo', namespace: 'team-a', uid: 'uid-1' },
    spec: { image: 'registry.local/echo:1', command: ['node', 'server.mjs'], ...spec },
  });

const labels = {
  'app.kubernetes.io/name': 'echo',
  'app.kubernetes.io/managed-by': 'spool',
  'app.kubernetes.io/component': 'function',
  'spool.dev/function': 'echo',
};

/** The expected Deployment, written out in full once; rows change only what they are about. */
function expectedDeployment(
  edit: (d: V1Deployment, container: V1Container) => void,
  spec: Partial<FunctionSpecInput> = {},
): V1Deployment {
  const d: V1Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'fn-echo',
      namespace: 'team-a',
      labels,
      ownerReferences: [
        {
          apiVersion: 'spool.dev/v1alpha1',
          kind: 'Function',
          name: 'echo',
          uid: 'uid-1',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      selector: { matchLabels: { 'spool.dev/function': 'echo' } },
      revisionHistoryLimit: 3,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '25%' } },
      template: {
        metadata: { labels },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: 45,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 10001,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [
            {
              name: 'function',
              image: 'registry.local/echo:1',
              env: [
                { name: 'SPOOL_FUNCTION_NAME', value: 'echo' },
                { name: 'SPOOL_FUNCTION_NAMESPACE', value: 'team-a' },
                { name: 'SPOOL_FUNCTION_SPEC', value: JSON.stringify(functionFixture(spec).spec) },
                { name: 'SPOOL_REDIS_URL', value: 'redis://redis:6379' },
                { name: 'SPOOL_WATCHDOG_PORT', value: '8081' },
                { name: 'SPOOL_EXIT_AFTER_START_CRASHES', value: '3' },
                { name: 'SPOOL_TERMINATION_MESSAGE_PATH', value: '/dev/termination-log' },
                { name: 'SPOOL_LOCK_DURATION_MS', value: '5000' },
                { name: 'SPOOL_LOCK_RENEW_MS', value: '1500' },
                { name: 'SPOOL_STALLED_INTERVAL_MS', value: '2500' },
                { name: 'SPOOL_MAX_STALLED_COUNT', value: '1' },
                { name: 'SPOOL_WATCHDOG_HOST', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
                { name: 'SPOOL_USER_HOST', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
              ],
              ports: [{ name: 'watchdog', containerPort: 8081, protocol: 'TCP' }],
              readinessProbe: {
                httpGet: { path: '/_/ready', port: 'watchdog' },
                periodSeconds: 1,
                failureThreshold: 1,
                timeoutSeconds: 2,
              },
              livenessProbe: {
                httpGet: { path: '/_/health', port: 'watchdog' },
                periodSeconds: 10,
                failureThreshold: 3,
                timeoutSeconds: 2,
              },
              terminationMessagePath: '/dev/termination-log',
              terminationMessagePolicy: 'FallbackToLogsOnError',
              securityContext: {
                runAsNonRoot: true,
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'] },
              },
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            },
          ],
          volumes: [{ name: 'tmp', emptyDir: {} }],
        },
      },
    },
  };
  edit(d, d.spec!.template.spec!.containers[0]!);
  return d;
}

const urlOptions = defaultDesiredDeploymentOptions({ url: 'redis://redis:6379' });

interface Row {
  name: string;
  spec?: Partial<FunctionSpecInput>;
  opts?: DesiredDeploymentOptions;
  want: V1Deployment;
}

describe('desiredDeployment', () => {
  test.each<Row>([
    { name: 'defaults', want: expectedDeployment(() => {}) },
    {
      name: 'grace period covers the timeout plus the drain margin',
      spec: { timeoutSeconds: 120 },
      want: expectedDeployment(
        (d) => {
          d.spec!.template.spec!.terminationGracePeriodSeconds = 135;
        },
        { timeoutSeconds: 120 },
      ),
    },
    {
      name: 'resources and working directory go to the container',
      spec: { resources: { limits: { memory: '256Mi' } }, workingDir: '/app' },
      want: expectedDeployment(
        (_d, container) => {
          Object.assign(container, { resources: { limits: { memory: '256Mi' } }, workingDir: '/app' });
        },
        { resources: { limits: { memory: '256Mi' } }, workingDir: '/app' },
      ),
    },
    {
      name: 'Redis URL from a Secret',
      opts: defaultDesiredDeploymentOptions({ secretName: 'spool-redis', key: 'url' }),
      // A Secret-sourced URL follows the plain values (api watchdogEnv), beside the downward-API ones.
      want: expectedDeployment((_d, container) => {
        container.env!.splice(3, 1);
        container.env!.splice(10, 0, {
          name: 'SPOOL_REDIS_URL',
          valueFrom: { secretKeyRef: { name: 'spool-redis', key: 'url' } },
        });
      }),
    },
    {
      name: "the controller's lock settings reach every pod",
      opts: defaultDesiredDeploymentOptions(
        { url: 'redis://redis:6379' },
        { lockDurationMs: 9000, lockRenewMs: 3000, stalledIntervalMs: 4000, maxStalledCount: 2 },
      ),
      want: expectedDeployment((_d, container) => {
        container.env!.splice(
          7,
          4,
          { name: 'SPOOL_LOCK_DURATION_MS', value: '9000' },
          { name: 'SPOOL_LOCK_RENEW_MS', value: '3000' },
          { name: 'SPOOL_STALLED_INTERVAL_MS', value: '4000' },
          { name: 'SPOOL_MAX_STALLED_COUNT', value: '2' },
        );
      }),
    },
  ])('$name', ({ spec, opts, want }) => {
    expect(desiredDeployment(functionFixture(spec), opts ?? urlOptions)).toEqual(want);
  });

  test('never sets spec.replicas: the autoscaler owns it', () => {
    expect(desiredDeployment(functionFixture({ scale: { min: 3 } }), urlOptions).spec).not.toHaveProperty(
      'replicas',
    );
  });

  test('the container env is what the watchdog parses, once the pod IP is filled in', () => {
    const fn = functionFixture({ port: 9000 });
    const env = desiredDeployment(fn, urlOptions).spec!.template.spec!.containers[0]!.env!;
    const podEnv = Object.fromEntries(
      env.map((e) => [e.name, e.valueFrom?.fieldRef?.fieldPath === 'status.podIP' ? '10.1.2.3' : e.value]),
    );
    expect(parseWatchdogConfig(podEnv)).toMatchObject({
      function: { name: 'echo', namespace: 'team-a' },
      spec: fn.spec,
      redisUrl: 'redis://redis:6379',
      host: '10.1.2.3',
      port: 8081,
      userHost: '10.1.2.3',
      userPort: 9000,
    });
  });
});
