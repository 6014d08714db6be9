import { describe, expect, test } from '@jest/globals';
import { functionSpecSchema } from './function-schema.js';
import { resolveFunction, validateFunction } from './function.js';
import { toOpenApi, validate, withDefaults } from './schema.js';

const fn = (spec: Record<string, unknown>, name = 'echo'): Record<string, unknown> => ({
  apiVersion: 'spool.dev/v1alpha1',
  kind: 'Function',
  metadata: { name },
  spec: { image: 'example/echo:1', command: ['node', 'server.mjs'], ...spec },
});

const inNamespace = (namespace: unknown): Record<string, unknown> => ({
  ...fn({}),
  metadata: { name: 'echo', namespace },
});

describe('validateFunction', () => {
  test.each([
    { name: 'minimal valid', value: fn({}), want: [] },
    { name: 'missing image', value: fn({ image: undefined }), want: ['spec.image is required'] },
    { name: 'empty command', value: fn({ command: [] }), want: ['spec.command must have at least 1 items'] },
    { name: 'unknown mode', value: fn({ mode: 'grpc' }), want: ['spec.mode must be one of http, fork'] },
    {
      name: 'timeout zero',
      value: fn({ timeoutSeconds: 0 }),
      want: ['spec.timeoutSeconds must be at least 1'],
    },
    {
      name: 'fractional timeout',
      value: fn({ timeoutSeconds: 1.5 }),
      want: ['spec.timeoutSeconds must be an integer'],
    },
    {
      name: 'min above max',
      value: fn({ scale: { min: 5, max: 2 } }),
      want: ['spec.scale scale.min must not exceed scale.max'],
    },
    {
      name: 'min above default max',
      value: fn({ scale: { min: 21 } }),
      want: ['spec.scale scale.min must not exceed scale.max'],
    },
    {
      name: 'bad env name',
      value: fn({ env: [{ name: '1X', value: 'a' }] }),
      want: ['spec.env[0].name must match ^[A-Za-z_][A-Za-z0-9_]*$'],
    },
    { name: 'unknown field', value: fn({ replica: 3 }), want: ['spec.replica is not a known field'] },
    { name: 'a scale request (spec.replicas)', value: fn({ replicas: 3 }), want: [] },
    {
      name: 'a negative scale request',
      value: fn({ replicas: -1 }),
      want: ['spec.replicas must be at least 0'],
    },
    { name: 'port out of range', value: fn({ port: 70000 }), want: ['spec.port must be at most 65535'] },
    {
      name: 'upper-case name',
      value: fn({}, 'Echo'),
      want: [
        'metadata.name must be a DNS label of at most 60 characters: lower-case letters, digits and -, starting with a letter',
      ],
    },
    { name: 'wrong kind', value: { ...fn({}), kind: 'Deployment' }, want: ['kind must be Function'] },
    {
      name: "the watchdog's port",
      value: fn({ port: 8081 }),
      want: ["spec port must not be 8081, the watchdog's own port"],
    },
    { name: 'a namespace', value: inNamespace('team-a'), want: [] },
    ...['../../../tmp/x', 'Team', 'a.b', '', '-a', 'a'.repeat(64), 7].map((namespace) => ({
      name: `namespace ${JSON.stringify(namespace)}`,
      value: inNamespace(namespace),
      want: [
        'metadata.namespace must be a DNS label of at most 63 characters: lower-case letters, digits and -',
      ],
    })),
  ])('$name', ({ value, want }) => {
    expect(validateFunction(value).map((p) => `${p.path} ${p.message}`)).toEqual(want);
  });

  test('a non-object is one problem at the root', () => {
    expect(validateFunction('echo')).toEqual([{ path: '', message: 'must be an object' }]);
  });
});

describe('defaults', () => {
  test('every default validates against its own schema', () => {
    const spec = withDefaults(functionSpecSchema, { image: 'i', command: ['c'] });
    expect(validate(functionSpecSchema, spec)).toEqual([]);
  });

  test('resolveFunction fills every default and the namespace', () => {
    const resolved = resolveFunction(fn({ scale: { max: 3 } }), 'team-a');
    expect(resolved.metadata.namespace).toBe('team-a');
    expect(resolved.spec).toEqual({
      image: 'example/echo:1',
      command: ['node', 'server.mjs'],
      args: [],
      env: [],
      mode: 'http',
      port: 8080,
      timeoutSeconds: 30,
      concurrency: 10,
      maxBodyBytes: 4 * 1024 * 1024,
      maxResponseBytes: 8 * 1024 * 1024,
      scale: { min: 0, max: 3, targetPerReplica: 10, idleSeconds: 300, scaleDownDelaySeconds: 30 },
      async: { maxAttempts: 3, backoffSeconds: 1, retainSeconds: 3600, retainBytes: 64 * 1024 * 1024 },
    });
  });

  test('resolveFunction names every problem in one INVALID_FUNCTION error', () => {
    expect(() => resolveFunction(fn({ mode: 'x', port: 0 }))).toThrow(
      'Function echo: spec.mode must be one of http, fork; spec.port must be at least 1',
    );
  });
});

describe('toOpenApi', () => {
  const schema = toOpenApi(functionSpecSchema) as {
    required: string[];
    properties: Record<string, Record<string, unknown>>;
  };

  test.each([
    { name: 'required fields', got: schema.required, want: ['image', 'command'] },
    { name: 'default timeout', got: schema.properties['timeoutSeconds']?.['default'], want: 30 },
    { name: 'mode enum', got: schema.properties['mode']?.['enum'], want: ['http', 'fork'] },
    {
      name: 'CEL rule on scale',
      got: schema.properties['scale']?.['x-kubernetes-validations'],
      want: [{ rule: 'self.min <= self.max', message: 'scale.min must not exceed scale.max' }],
    },
    { name: 'integers are int32', got: schema.properties['port']?.['format'], want: 'int32' },
    {
      name: 'an integer whose range passes int32 is int64',
      got: (schema.properties['async']?.['properties'] as Record<string, Record<string, unknown>>)[
        'retainBytes'
      ]?.['format'],
      want: 'int64',
    },
  ])('$name', ({ got, want }) => {
    expect(got).toEqual(want);
  });
});
