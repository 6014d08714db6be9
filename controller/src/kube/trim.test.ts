import { describe, expect, test } from '@jest/globals';
import type { V1Deployment, V1ObjectMeta } from '@kubernetes/client-node';
import { LAST_APPLIED_ANNOTATION, trimDeployment, trimMetadata, trimObject } from './trim.js';

const managed = [{ manager: 'spool', operation: 'Apply', fieldsV1: { 'f:spec': {} } }];

describe('trimMetadata', () => {
  test.each<[string, V1ObjectMeta, V1ObjectMeta]>([
    ['drops managedFields', { name: 'a', managedFields: managed }, { name: 'a' }],
    [
      "drops kubectl's last-applied copy, keeps other annotations",
      { name: 'a', annotations: { [LAST_APPLIED_ANNOTATION]: '{"big":1}', 'spool.dev/applied-hash': 'h' } },
      { name: 'a', annotations: { 'spool.dev/applied-hash': 'h' } },
    ],
    [
      'keeps identity, labels, owners and versions',
      {
        name: 'a',
        namespace: 'n',
        uid: 'u',
        resourceVersion: '7',
        generation: 2,
        labels: { 'spool.dev/function': 'a' },
        ownerReferences: [{ apiVersion: 'v1', kind: 'K', name: 'o', uid: 'x' }],
      },
      {
        name: 'a',
        namespace: 'n',
        uid: 'u',
        resourceVersion: '7',
        generation: 2,
        labels: { 'spool.dev/function': 'a' },
        ownerReferences: [{ apiVersion: 'v1', kind: 'K', name: 'o', uid: 'x' }],
      },
    ],
  ])('%s', (_name, input, expected) => {
    expect(trimMetadata(input)).toEqual(expected);
  });
});

test("trimObject keeps a Function's spec and status", () => {
  const fn = {
    metadata: { name: 'f', managedFields: managed },
    spec: { image: 'i' },
    status: { observedGeneration: 1 },
  };
  expect(trimObject(fn)).toEqual({
    metadata: { name: 'f' },
    spec: { image: 'i' },
    status: { observedGeneration: 1 },
  });
});

describe('trimDeployment', () => {
  const full: V1Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'fn-a',
      namespace: 'n',
      managedFields: managed,
      annotations: { 'spool.dev/applied-hash': 'h' },
    },
    spec: {
      replicas: 0,
      selector: { matchLabels: { 'spool.dev/function': 'a' } },
      strategy: { type: 'RollingUpdate' },
      template: {
        spec: {
          containers: [{ name: 'watchdog', image: 'spool/watchdog', env: [{ name: 'X', value: 'y' }] }],
        },
      },
    },
    status: {
      observedGeneration: 3,
      replicas: 2,
      readyReplicas: 1,
      updatedReplicas: 2,
      availableReplicas: 1,
      conditions: [
        {
          type: 'Progressing',
          status: 'False',
          reason: 'ProgressDeadlineExceeded',
          message: 'long text',
          lastUpdateTime: new Date(0),
        },
      ],
    },
  };

  test('keeps what the runtime reads and drops the template', () => {
    expect(trimDeployment(full)).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'fn-a', namespace: 'n', annotations: { 'spool.dev/applied-hash': 'h' } },
      spec: { replicas: 0, selector: { matchLabels: { 'spool.dev/function': 'a' } }, template: {} },
      status: {
        observedGeneration: 3,
        replicas: 2,
        readyReplicas: 1,
        updatedReplicas: 2,
        availableReplicas: 1,
        conditions: [
          {
            type: 'Progressing',
            status: 'False',
            reason: 'ProgressDeadlineExceeded',
            message: 'long text',
            lastUpdateTime: new Date(0),
          },
        ],
      },
    });
  });

  test('a Deployment without status (just created) stays without one', () => {
    const { status: _status, ...created } = full;
    expect(trimDeployment(created).status).toBeUndefined();
  });
});
