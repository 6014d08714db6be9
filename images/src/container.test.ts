import { describe, expect, test } from '@jest/globals';
import { resolveFunction } from '@spool/api';
import { desiredFunctionContainer, functionContainerEnv } from './container.js';
import { parseFunctionYaml } from './function-file.js';

const fn = resolveFunction({
  apiVersion: 'spool.dev/v1alpha1',
  kind: 'Function',
  metadata: { name: 'echo', namespace: 'team-a' },
  spec: { image: 'spool/example-echo:0.1.0', command: ['node', 'server.mjs'] },
});
const options = {
  image: 'spool/example-echo:0.1.0',
  fn,
  redisUrl: 'redis://127.0.0.1:6379',
  watchdogPort: 18081,
  userPort: 18080,
  host: '127.0.0.1',
};

describe('functionContainerEnv', () => {
  test('carries the Function, Redis, and both listen addresses', () => {
    expect(functionContainerEnv(options)).toEqual({
      SPOOL_FUNCTION_NAME: 'echo',
      SPOOL_FUNCTION_NAMESPACE: 'team-a',
      SPOOL_FUNCTION_SPEC: JSON.stringify(fn.spec),
      SPOOL_REDIS_URL: 'redis://127.0.0.1:6379',
      SPOOL_WATCHDOG_HOST: '127.0.0.1',
      SPOOL_WATCHDOG_PORT: '18081',
      SPOOL_USER_HOST: '127.0.0.1',
      SPOOL_USER_PORT: '18080',
    });
  });

  test('extra settings come first, so they cannot replace the ones it sets', () => {
    const env = functionContainerEnv({
      ...options,
      watchdog: { killGraceMs: 300, port: 1 },
    });
    expect(env['SPOOL_KILL_GRACE_MS']).toBe('300');
    expect(env['SPOOL_WATCHDOG_PORT']).toBe('18081');
  });
});

describe('desiredFunctionContainer', () => {
  test('runs like a function pod: read-only root, /tmp the one writable place, no capabilities, host network', () => {
    const created = desiredFunctionContainer(options);
    expect(created.HostConfig).toEqual({
      NetworkMode: 'host',
      Init: true,
      ReadonlyRootfs: true,
      Tmpfs: { '/tmp': 'rw,nosuid,nodev,size=64m' },
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
    });
    expect(created.Image).toBe('spool/example-echo:0.1.0');
    expect(created.Env).toContain('SPOOL_FUNCTION_NAMESPACE=team-a');
    expect(created.Labels).toEqual({ 'spool.dev/function': 'team-a.echo' });
  });
});

describe('parseFunctionYaml', () => {
  const doc = (name: string): string =>
    `apiVersion: spool.dev/v1alpha1\nkind: Function\nmetadata: {name: ${name}}\nspec: {image: x, command: [node, s.mjs]}\n`;

  test('the one Function, defaulted', () => {
    const parsed = parseFunctionYaml(`kind: ConfigMap\n---\n${doc('echo')}`, 'f/function.yaml');
    expect(parsed.metadata).toEqual({ name: 'echo', namespace: 'default' });
    expect(parsed.spec.mode).toBe('http');
  });

  test.each([
    {
      name: 'no Function',
      text: 'kind: ConfigMap\n',
      message: 'f/function.yaml: expected one document of kind Function, found 0',
    },
    {
      name: 'two Functions',
      text: `${doc('a')}---\n${doc('b')}`,
      message: 'expected one document of kind Function, found 2',
    },
    { name: 'broken YAML', text: 'kind: [Function\n', message: 'f/function.yaml: ' },
    {
      name: 'an invalid spec',
      text: doc('echo').replace('command: [node, s.mjs]', 'command: []'),
      message: 'f/function.yaml: Function echo',
    },
  ])('rejects $name', ({ text, message }) => {
    expect(() => parseFunctionYaml(text, 'f/function.yaml')).toThrow(message);
  });
});
