import { describe, expect, test } from '@jest/globals';
import { deleteTarget, functionFromDeployment } from './openfaas-deploy.js';

const aliasing = { defaultNamespace: 'default', openfaasNamespace: 'openfaas-fn' };
const base = { service: 'echo', image: 'spool/echo:1', envProcess: 'node server.mjs' };

describe('functionFromDeployment', () => {
  test('the smallest deployment: name, image, command; OpenFaaS keeps one replica unless scale.zero', () => {
    expect(functionFromDeployment(base, aliasing)).toEqual({
      ok: true,
      value: {
        apiVersion: 'spool.dev/v1alpha1',
        kind: 'Function',
        metadata: {
          name: 'echo',
          namespace: 'default',
          annotations: { 'spool.dev/deployed-by': 'system-api' },
        },
        spec: { image: 'spool/echo:1', command: ['node', 'server.mjs'], env: [], scale: { min: 1 } },
      },
    });
  });

  test('every mapped field', () => {
    const result = functionFromDeployment(
      {
        ...base,
        namespace: 'team-a',
        envProcess: '  python3  handler.py --port 8080 ',
        envVars: { B: '2', A: '1' },
        labels: { app: 'echo', 'com.openfaas.scale.max': '4' },
        annotations: {
          'com.openfaas.scale.zero': 'true',
          'com.openfaas.scale.target': '7',
          'com.openfaas.scale.zero-duration': '15m',
          'com.openfaas.scale.type': 'capacity',
          topic: 'orders',
        },
        limits: { memory: '256Mi', cpu: '' },
        requests: { cpu: '100m' },
        constraints: [],
        secrets: [],
        readOnlyRootFilesystem: false,
        registryAuth: '',
      },
      aliasing,
    );
    expect(result).toEqual({
      ok: true,
      value: {
        apiVersion: 'spool.dev/v1alpha1',
        kind: 'Function',
        metadata: {
          name: 'echo',
          namespace: 'team-a',
          labels: { app: 'echo', 'com.openfaas.scale.max': '4' },
          annotations: {
            'com.openfaas.scale.zero': 'true',
            'com.openfaas.scale.target': '7',
            'com.openfaas.scale.zero-duration': '15m',
            'com.openfaas.scale.type': 'capacity',
            topic: 'orders',
            'spool.dev/deployed-by': 'system-api',
          },
        },
        spec: {
          image: 'spool/echo:1',
          command: ['python3', 'handler.py', '--port', '8080'],
          env: [
            { name: 'A', value: '1' },
            { name: 'B', value: '2' },
          ],
          scale: { min: 0, max: 4, targetPerReplica: 7, idleSeconds: 900 },
          resources: { limits: { memory: '256Mi' }, requests: { cpu: '100m' } },
        },
      },
    });
  });

  test.each([
    { name: 'bare name: default namespace', body: base, query: undefined, want: 'default/echo' },
    {
      name: 'the openfaas-fn alias',
      body: { ...base, namespace: 'openfaas-fn' },
      query: undefined,
      want: 'default/echo',
    },
    { name: '?namespace= when the body has none', body: base, query: 'team-b', want: 'team-b/echo' },
    {
      name: 'the body wins over ?namespace=',
      body: { ...base, namespace: 'team-a' },
      query: 'team-b',
      want: 'team-a/echo',
    },
    {
      name: 'NAME.NAMESPACE in service',
      body: { ...base, service: 'echo.team-c' },
      query: undefined,
      want: 'team-c/echo',
    },
  ])('namespace: $name', ({ body, query, want }) => {
    const result = functionFromDeployment(body, aliasing, query);
    if (!result.ok) throw new Error(result.error);
    expect(`${result.value.metadata.namespace}/${result.value.metadata.name}`).toBe(want);
  });

  test.each([
    { name: 'not an object', body: [], field: 'must be a JSON object' },
    { name: 'no service', body: { ...base, service: undefined }, field: 'service: required' },
    { name: 'no image', body: { ...base, image: '' }, field: 'image: required' },
    { name: 'no envProcess', body: { ...base, envProcess: undefined }, field: 'envProcess: required' },
    { name: 'blank envProcess', body: { ...base, envProcess: '  ' }, field: 'envProcess: required' },
    {
      name: 'envProcess not a string',
      body: { ...base, envProcess: 3 },
      field: 'envProcess: must be a string',
    },
    { name: 'secrets', body: { ...base, secrets: ['db'] }, field: 'secrets: Spool has no secret store' },
    { name: 'constraints', body: { ...base, constraints: ['zone=a'] }, field: 'constraints:' },
    {
      name: 'read-only root',
      body: { ...base, readOnlyRootFilesystem: true },
      field: 'readOnlyRootFilesystem:',
    },
    { name: 'registryAuth', body: { ...base, registryAuth: 'dXNlcjpwYXNz' }, field: 'registryAuth:' },
    {
      name: 'unknown field',
      body: { ...base, replicas: 3 },
      field: 'replicas: not a field of FunctionDeployment',
    },
    {
      name: 'env value not a string',
      body: { ...base, envVars: { A: 1 } },
      field: 'envVars.A: must be a string',
    },
    {
      name: 'bad env name (the validator)',
      body: { ...base, envVars: { '1A': 'x' } },
      field: 'spec.env[0].name',
    },
    {
      name: 'unknown resource',
      body: { ...base, limits: { gpu: '1' } },
      field: 'limits.gpu: only memory and cpu',
    },
    {
      name: 'scale.min not a number',
      body: { ...base, labels: { 'com.openfaas.scale.min': 'one' } },
      field: 'com.openfaas.scale.min: must be an integer',
    },
    {
      name: 'scale.max of 0',
      body: { ...base, annotations: { 'com.openfaas.scale.max': '0' } },
      field: 'com.openfaas.scale.max: must be an integer from 1',
    },
    {
      name: 'min above max (the validator)',
      body: { ...base, annotations: { 'com.openfaas.scale.min': '5', 'com.openfaas.scale.max': '2' } },
      field: 'scale.min must not exceed scale.max',
    },
    {
      name: 'scale.zero not a boolean',
      body: { ...base, annotations: { 'com.openfaas.scale.zero': 'yes' } },
      field: 'com.openfaas.scale.zero: must be true or false',
    },
    {
      name: 'zero with min 3',
      body: { ...base, annotations: { 'com.openfaas.scale.zero': 'true', 'com.openfaas.scale.min': '3' } },
      field: 'com.openfaas.scale.min: 3 with',
    },
    {
      name: 'rps scaling',
      body: { ...base, annotations: { 'com.openfaas.scale.type': 'rps' } },
      field: 'com.openfaas.scale.type:',
    },
    {
      name: 'target proportion',
      body: { ...base, annotations: { 'com.openfaas.scale.target-proportion': '0.7' } },
      field: 'com.openfaas.scale.target-proportion:',
    },
    {
      name: 'bad zero-duration',
      body: { ...base, annotations: { 'com.openfaas.scale.zero-duration': '2d' } },
      field: 'com.openfaas.scale.zero-duration:',
    },
    { name: 'bad name (the validator)', body: { ...base, service: 'Echo_1' }, field: 'metadata.name' },
    {
      name: 'bad namespace (the validator)',
      body: { ...base, namespace: '../x' },
      field: 'metadata.namespace',
    },
  ])('refused: $name', ({ body, field }) => {
    const result = functionFromDeployment(body, aliasing);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.error).toContain(field);
  });

  test('every problem is named, not only the first', () => {
    const result = functionFromDeployment({ service: 'echo', secrets: ['a'], extra: 1 }, aliasing);
    const error = result.ok ? '' : result.error;
    for (const field of ['image:', 'envProcess:', 'secrets:', 'extra:']) expect(error).toContain(field);
  });
});

describe('deleteTarget', () => {
  test.each([
    { name: 'name only', body: { functionName: 'echo' }, want: 'default/echo' },
    { name: 'the alias', body: { functionName: 'echo', namespace: 'openfaas-fn' }, want: 'default/echo' },
    { name: 'another namespace', body: { functionName: 'echo', namespace: 'team-a' }, want: 'team-a/echo' },
    { name: 'NAME.NAMESPACE', body: { functionName: 'echo.team-a' }, want: 'team-a/echo' },
  ])('$name', ({ body, want }) => {
    const result = deleteTarget(body, aliasing);
    expect(result.ok ? `${result.value.namespace}/${result.value.name}` : result.error).toBe(want);
  });

  test.each([
    { name: 'no name', body: {}, want: 'functionName: required' },
    { name: 'unknown field', body: { functionName: 'echo', force: true }, want: 'force: not a field' },
    { name: 'not an object', body: 'echo', want: 'must be a JSON object' },
  ])('refused: $name', ({ body, want }) => {
    const result = deleteTarget(body, aliasing);
    expect(result.ok ? '' : result.error).toContain(want);
  });
});
