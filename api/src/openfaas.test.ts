import { describe, expect, test } from '@jest/globals';
import { resolveFunction } from './function.js';
import { goArch, openfaasRef, openfaasStatus, parseAuthorization } from './openfaas.js';

const aliasing = { defaultNamespace: 'default', openfaasNamespace: 'openfaas-fn' };
const basic = (s: string): string => `Basic ${Buffer.from(s).toString('base64')}`;

describe('openfaasRef', () => {
  test.each([
    { name: 'bare name: default namespace', raw: 'echo', query: undefined, want: 'default/echo' },
    {
      name: 'the alias is the default namespace',
      raw: 'echo.openfaas-fn',
      query: undefined,
      want: 'default/echo',
    },
    { name: 'another namespace', raw: 'echo.team-a', query: undefined, want: 'team-a/echo' },
    { name: 'split at the last dot', raw: 'a.b.team-a', query: undefined, want: 'team-a/a.b' },
    { name: '?namespace= for a bare name', raw: 'echo', query: 'team-b', want: 'team-b/echo' },
    { name: '?namespace= alias', raw: 'echo', query: 'openfaas-fn', want: 'default/echo' },
    { name: 'empty ?namespace= is none', raw: 'echo', query: '', want: 'default/echo' },
  ])('$name', ({ raw, query, want }) => {
    const ref = openfaasRef(raw, aliasing, query);
    expect(`${ref.namespace}/${ref.name}`).toBe(want);
  });

  test('an empty alias turns it off', () => {
    expect(openfaasRef('echo.openfaas-fn', { ...aliasing, openfaasNamespace: '' }).namespace).toBe(
      'openfaas-fn',
    );
  });
});

describe('parseAuthorization', () => {
  test.each([
    { name: 'bearer', header: 'Bearer abc', want: { scheme: 'bearer', token: 'abc' } },
    { name: 'bearer, any case', header: 'bearer abc', want: { scheme: 'bearer', token: 'abc' } },
    {
      name: 'basic as faas-cli sends it',
      header: basic('admin:s3cret'),
      want: { scheme: 'basic', user: 'admin', token: 's3cret' },
    },
    {
      name: 'a password holding a colon',
      header: basic('admin:a:b'),
      want: { scheme: 'basic', user: 'admin', token: 'a:b' },
    },
    { name: 'basic without a colon', header: basic('admin'), want: { scheme: 'none' } },
    { name: 'no header', header: undefined, want: { scheme: 'none' } },
    { name: 'empty bearer', header: 'Bearer ', want: { scheme: 'none' } },
    { name: 'unknown scheme', header: 'Digest x', want: { scheme: 'none' } },
  ])('$name', ({ header, want }) => {
    expect(parseAuthorization(header)).toEqual(want);
  });
});

describe('openfaasStatus', () => {
  const fn = resolveFunction({
    apiVersion: 'spool.dev/v1alpha1',
    kind: 'Function',
    metadata: { name: 'echo', namespace: 'team-a', labels: { tier: 'web' }, annotations: { note: 'x' } },
    spec: {
      image: 'img:1',
      command: ['node', 'server.mjs'],
      args: ['--fast'],
      env: [{ name: 'A', value: '1' }],
      resources: { limits: { memory: '128Mi', 'nvidia.com/gpu': '1' }, requests: { cpu: '100m' } },
    },
  });
  const seen = { replicas: 2, availableReplicas: 1, invocationCount: 7, createdAt: '2026-01-02T03:04:05Z' };

  test('every faas-provider FunctionStatus field Spool can fill', () => {
    expect(openfaasStatus(fn, seen)).toEqual({
      name: 'echo',
      namespace: 'team-a',
      image: 'img:1',
      invocationCount: 7,
      replicas: 2,
      availableReplicas: 1,
      envProcess: 'node server.mjs --fast',
      envVars: { A: '1' },
      labels: { tier: 'web' },
      annotations: { note: 'x' },
      limits: { memory: '128Mi' },
      requests: { cpu: '100m' },
      readOnlyRootFilesystem: false,
      secrets: [],
      createdAt: '2026-01-02T03:04:05Z',
    });
  });

  test('no resources and no creation time: the fields are left out (omitempty), never zero values', () => {
    const bare = resolveFunction({ ...fn, spec: { image: 'i', command: ['x'] } });
    const status = openfaasStatus(bare, { ...seen, createdAt: undefined });
    expect(['limits', 'requests', 'createdAt'].filter((k) => k in status)).toEqual([]);
  });
});

test.each([
  { node: 'x64', go: 'amd64' },
  { node: 'arm64', go: 'arm64' },
  { node: 'ia32', go: '386' },
  { node: 's390x', go: 's390x' },
])('goArch($node) is $go', ({ node, go }) => {
  expect(goArch(node)).toBe(go);
});
