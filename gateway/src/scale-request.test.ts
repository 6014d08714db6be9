import { describe, expect, test } from '@jest/globals';
import { scaleQueryNamespace, scaleReplicas } from './scale-request.js';

const fn = {
  name: 'echo',
  namespace: 'team',
  scale: { min: 0, max: 5, targetPerReplica: 10, idleSeconds: 300, scaleDownDelaySeconds: 30 },
};

describe('scaleReplicas', () => {
  test.each([
    { name: 'zero', body: { replicas: 0 }, want: 0 },
    { name: 'up to scale.max', body: { replicas: 5 }, want: 5 },
    {
      name: 'OpenFaaS body naming the function',
      body: { serviceName: 'echo', namespace: 'team', replicas: 2 },
      want: 2,
    },
    {
      name: 'OpenFaaS body naming an alias of the namespace',
      body: { serviceName: 'echo', namespace: 'openfaas-fn', replicas: 3 },
      want: 3,
    },
  ])('$name', ({ body, want }) => {
    expect(scaleReplicas(body, { ...fn, namespaceAliases: ['openfaas-fn'] })).toBe(want);
  });

  test('an alias counts only where it is given', () => {
    expect(() => scaleReplicas({ namespace: 'openfaas-fn', replicas: 1 }, fn)).toThrow(
      expect.objectContaining({ code: 'INVALID_REQUEST' }),
    );
  });

  test.each([
    { name: 'above scale.max', body: { replicas: 6 }, code: 'REPLICAS_OUT_OF_RANGE' },
    { name: 'the largest safe integer', body: { replicas: 9007199254740991 }, code: 'REPLICAS_OUT_OF_RANGE' },
    { name: 'negative', body: { replicas: -1 }, code: 'INVALID_REQUEST' },
    { name: 'fractional', body: { replicas: 1.5 }, code: 'INVALID_REQUEST' },
    { name: 'a string', body: { replicas: '3' }, code: 'INVALID_REQUEST' },
    { name: 'no body', body: undefined, code: 'INVALID_REQUEST' },
    { name: 'an array', body: [3], code: 'INVALID_REQUEST' },
    { name: 'an unknown field', body: { replicas: 1, force: true }, code: 'INVALID_REQUEST' },
    { name: 'another function named', body: { serviceName: 'other', replicas: 1 }, code: 'INVALID_REQUEST' },
  ])('refuses $name with $code', ({ body, code }) => {
    expect(() => scaleReplicas(body, fn)).toThrow(expect.objectContaining({ code }));
  });
});

describe('scaleQueryNamespace', () => {
  test.each([
    { name: 'none', query: {}, want: undefined },
    { name: 'namespace once', query: { namespace: 'team' }, want: 'team' },
  ])('$name', ({ query, want }) => {
    expect(scaleQueryNamespace(query)).toBe(want);
  });

  test.each([
    { name: 'a repeated parameter', query: { namespace: ['a', 'b'] } },
    { name: 'an unknown parameter', query: { replicas: '1000' } },
  ])('refuses $name', ({ query }) => {
    expect(() => scaleQueryNamespace(query)).toThrow(expect.objectContaining({ code: 'INVALID_REQUEST' }));
  });
});
