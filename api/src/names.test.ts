import { describe, expect, test } from '@jest/globals';
import {
  deploymentName,
  functionsPath,
  metricFunctionName,
  parseFunctionKey,
  parseInvocationName,
} from './names.js';
import { callId, parseCallId, queueName } from './queue-names.js';
import { forwardableHeaders } from './job.js';

describe('names', () => {
  test.each([
    { namespace: undefined, want: '/apis/spool.dev/v1alpha1/functions' },
    { namespace: 'team-a', want: '/apis/spool.dev/v1alpha1/namespaces/team-a/functions' },
  ])('functionsPath($namespace)', ({ namespace, want }) => {
    expect(functionsPath(namespace)).toBe(want);
  });

  test.each([
    { raw: 'echo', want: { namespace: 'default', name: 'echo' } },
    { raw: 'echo.team-a', want: { namespace: 'team-a', name: 'echo' } },
  ])('parseInvocationName($raw)', ({ raw, want }) => {
    expect(parseInvocationName(raw)).toEqual(want);
  });

  test.each([
    { ref: { namespace: 'default', name: 'echo' }, want: 'echo.default' },
    { ref: { namespace: 'team-a', name: 'resize-image' }, want: 'resize-image.team-a' },
  ])(
    'metricFunctionName($ref.name, $ref.namespace) is $want, which parseInvocationName reads back',
    ({ ref, want }) => {
      expect(metricFunctionName(ref)).toBe(want);
      expect(parseInvocationName(metricFunctionName(ref))).toEqual(ref);
    },
  );

  test('deploymentName prefixes fn-', () => {
    expect(deploymentName({ namespace: 'a', name: 'echo' })).toBe('fn-echo');
  });

  test.each(['a', 'a/b/c', '/b'])('parseFunctionKey rejects %p', (key) => {
    expect(() => parseFunctionKey(key)).toThrow('not a namespace/name key');
  });
});

describe('queue names', () => {
  test('the queue name is one hash tag holding namespace and name', () => {
    expect(queueName({ namespace: 'team-a', name: 'echo' })).toBe('{team-a.echo}');
  });

  test('a call id round-trips to its function and job', () => {
    const ref = { namespace: 'team-a', name: 'echo' };
    const jobId = '6f1c2a4e-0b3d-4c5e-8f70-1a2b3c4d5e6f';
    expect(parseCallId(callId(ref, jobId))).toEqual({ ref, jobId });
  });

  const uuid = '6f1c2a4e-0b3d-4c5e-8f70-1a2b3c4d5e6f';
  test.each([
    '',
    'a.b',
    'a..c',
    'a.b.c.d',
    'team-a.echo.6f1c-22',
    `team-a.echo.${uuid}.x`,
    `Team.echo.${uuid}`,
    `team-a.1echo.${uuid}`,
    `team-a.echo.${uuid.toUpperCase()}`,
    `${'a'.repeat(64)}.echo.${uuid}`,
  ])('parseCallId rejects %p', (id) => {
    expect(parseCallId(id)).toBeUndefined();
  });
});

describe('forwardableHeaders', () => {
  test('drops hop-by-hop headers, lower-cases and keeps repeats as lists', () => {
    expect(
      forwardableHeaders({
        Connection: 'keep-alive',
        'Content-Length': '3',
        'X-A': ['1', '2'],
        Accept: 'text/plain',
        Host: 'h',
      }),
    ).toEqual({ 'x-a': ['1', '2'], accept: 'text/plain' });
  });
});
