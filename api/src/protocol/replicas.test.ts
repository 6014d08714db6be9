import { describe, expect, test } from '@jest/globals';
import { scaleSchema } from '../function-schema.js';
import type { ReplicaStatus, ScaleRequest } from '../job.js';
import { MAX_REPLICAS } from './fields.js';
import {
  decodeReplicaStatus,
  decodeScaleRequest,
  decodeStoredReplicaStatus,
  decodeWakeKey,
  encodeReplicaStatus,
  encodeScaleRequest,
  encodeWakeKey,
} from './replicas.js';

const status: ReplicaStatus = {
  key: 'team-a/echo',
  replicas: 2,
  readyReplicas: 1,
  reason: 'scale-up',
  atMs: 17,
};
const refusal = (decoded: { ok: boolean; error?: string }): string =>
  decoded.ok ? '' : (decoded.error ?? '');

describe('replica status', () => {
  test.each([
    { name: 'scaled up', status },
    { name: 'at zero', status: { ...status, replicas: 0, readyReplicas: 0, reason: '' } },
    { name: 'at the most replicas', status: { ...status, replicas: MAX_REPLICAS } },
  ])('$name round-trips', ({ status }) => {
    expect(decodeReplicaStatus(encodeReplicaStatus(status))).toEqual({ ok: true, value: status });
    expect(decodeStoredReplicaStatus(status.key, encodeReplicaStatus(status))).toEqual({
      ok: true,
      value: status,
    });
  });

  test('the most replicas is the schema’s largest scale.max', () => {
    const max = scaleSchema.properties.max.schema;
    expect(MAX_REPLICAS).toBe(max.maximum);
  });

  test.each([
    { name: 'not JSON', raw: 'not json', error: /^not JSON/ },
    { name: 'JSON null', raw: 'null', error: /^must be an object/ },
    { name: 'a key of no function', raw: encodeReplicaStatus({ ...status, key: 'echo' }), error: /^key:/ },
    { name: 'a key with a path', raw: encodeReplicaStatus({ ...status, key: 'a/b/c' }), error: /^key:/ },
    { name: 'negative replicas', raw: encodeReplicaStatus({ ...status, replicas: -1 }), error: /^replicas:/ },
    {
      name: 'unbounded replicas',
      raw: encodeReplicaStatus({ ...status, replicas: 2 ** 53 - 1 }),
      error: /^replicas:/,
    },
    {
      name: 'ready as text',
      raw: JSON.stringify({ ...status, readyReplicas: '1' }),
      error: /^readyReplicas:/,
    },
    { name: 'no time', raw: JSON.stringify({ ...status, atMs: undefined }), error: /^atMs: is required/ },
    {
      name: 'a long reason',
      raw: encodeReplicaStatus({ ...status, reason: 'x'.repeat(300) }),
      error: /^reason:/,
    },
    {
      name: 'oversized',
      raw: JSON.stringify({ ...status, pad: 'x'.repeat(20_000) }),
      error: /exceeds 16384/,
    },
  ])('refuses $name', ({ raw, error }) => {
    expect(refusal(decodeReplicaStatus(raw))).toMatch(error);
  });

  test('a stored status must be its own field’s', () => {
    expect(refusal(decodeStoredReplicaStatus('team-a/other', encodeReplicaStatus(status)))).toMatch(
      /must be the field's own "team-a\/other"/,
    );
  });
});

describe('wake keys', () => {
  test.each(['default/echo', 'team-a/a', `${'n'.repeat(63)}/${'f'.repeat(60)}`])('%p round-trips', (key) => {
    expect(decodeWakeKey(encodeWakeKey(key))).toEqual({ ok: true, value: key });
  });

  test.each([
    '',
    'echo',
    'a/b/c',
    '/echo',
    'Default/echo',
    'default/1echo',
    `default/${'f'.repeat(61)}`,
    '{"key":1}',
  ])('refuses %p', (raw) => {
    expect(decodeWakeKey(raw).ok).toBe(false);
  });
});

describe('scale requests', () => {
  const request: ScaleRequest = { key: 'default/echo', replicas: 3 };
  test.each([
    { name: 'up', request },
    { name: 'to zero', request: { ...request, replicas: 0 } },
  ])('$name round-trips', ({ request }) => {
    expect(decodeScaleRequest(encodeScaleRequest(request))).toEqual({ ok: true, value: request });
  });

  test.each([
    { name: 'not JSON', raw: '{', error: /^not JSON/ },
    { name: 'a list', raw: '[]', error: /^must be an object, was a list/ },
    { name: 'no key', raw: '{"replicas":1}', error: /^key: is required/ },
    { name: 'fractional', raw: '{"key":"default/echo","replicas":1.5}', error: /^replicas:/ },
    { name: 'negative', raw: '{"key":"default/echo","replicas":-1}', error: /^replicas:/ },
    {
      name: 'beyond any scale.max',
      raw: '{"key":"default/echo","replicas":9007199254740991}',
      error: /^replicas:/,
    },
  ])('refuses $name', ({ raw, error }) => {
    expect(refusal(decodeScaleRequest(raw))).toMatch(error);
  });
});
