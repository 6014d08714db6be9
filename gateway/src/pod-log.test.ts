import { describe, expect, test } from '@jest/globals';
import { podLogUrl, type PodLogQuery } from './pod-log.js';

describe('podLogUrl', () => {
  const cases: [string, PodLogQuery, Record<string, string>][] = [
    ['tail 0 is sent, not dropped', { follow: true, tailLines: 0 }, { tailLines: '0' }],
    ['no tail asks for the whole log', { follow: false }, {}],
    [
      'since is an RFC 3339 time',
      { follow: false, tailLines: 5, sinceTime: '2026-12-03T10:00:00.000Z' },
      { tailLines: '5', sinceTime: '2026-12-03T10:00:00.000Z' },
    ],
  ];
  test.each(cases)('%s', (_name, query, extra) => {
    const url = podLogUrl('https://127.0.0.1:6443/', {
      namespace: 'ns-a',
      pod: 'fn-x-1',
      container: 'function',
      query,
    });
    expect(url.pathname).toBe('/api/v1/namespaces/ns-a/pods/fn-x-1/log');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      container: 'function',
      follow: String(query.follow),
      timestamps: 'true',
      ...extra,
    });
  });

  test('a name is one path segment, whatever it holds', () => {
    const url = podLogUrl('https://h', {
      namespace: 'a/b',
      pod: '../x',
      container: 'function',
      query: { follow: false },
    });
    expect(url.pathname).toBe('/api/v1/namespaces/a%2Fb/pods/..%2Fx/log');
  });
});
