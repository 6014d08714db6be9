import { describe, expect, test } from '@jest/globals';
import { decideFailureLines, decodeListedFunctions, type ListedFunction } from './failure-lines.js';

const condition = (type: string, status: string, reason: string, message: string): object => ({
  type,
  status,
  reason,
  message,
  lastTransitionTime: '2026-01-02T03:04:05Z',
});

describe('decodeListedFunctions', () => {
  test.each([
    {
      name: 'a crash loop is broken with its message',
      body: [
        {
          name: 'echo',
          namespace: 'default',
          conditions: [condition('Ready', 'False', 'CrashLoopBackOff', 'exit code 3: boom')],
        },
      ],
      want: [{ key: 'default/echo', broken: 'CrashLoopBackOff: exit code 3: boom' }],
    },
    {
      name: 'starting is not broken',
      body: [{ name: 'a', namespace: 'n', conditions: [condition('Ready', 'False', 'Starting', '')] }],
      want: [{ key: 'n/a', broken: undefined }],
    },
    {
      name: 'no conditions yet',
      body: [{ name: 'a', namespace: 'n' }],
      want: [{ key: 'n/a', broken: undefined }],
    },
    {
      name: 'malformed entries are skipped',
      body: [42, { name: 1, namespace: 'n' }, { name: 'a', namespace: 'n', conditions: 'x' }],
      want: [],
    },
  ])('$name', ({ body, want }) => {
    expect(decodeListedFunctions(body)).toEqual({ ok: true, value: want });
  });

  test('not a list is refused', () => {
    expect(decodeListedFunctions({ items: [] }).ok).toBe(false);
  });
});

describe('decideFailureLines', () => {
  const crash: ListedFunction = { key: 'default/echo', broken: 'CrashLoopBackOff: exit code 3: boom\nat x' };
  const healthy: ListedFunction = { key: 'default/echo', broken: undefined };
  test.each<{ name: string; printed: Map<string, string>; fns: ListedFunction[]; want: string[] }>([
    {
      name: 'newly broken: one line, stderr lines joined',
      printed: new Map(),
      fns: [crash],
      want: ['function default/echo is failing: CrashLoopBackOff: exit code 3: boom | at x'],
    },
    {
      name: 'same reason again: silent',
      printed: new Map([[crash.key, crash.broken!]]),
      fns: [crash],
      want: [],
    },
    {
      name: 'a new reason: printed',
      printed: new Map([[crash.key, 'StartTimeout: x']]),
      fns: [crash],
      want: ['function default/echo is failing: CrashLoopBackOff: exit code 3: boom | at x'],
    },
    { name: 'healthy: silent', printed: new Map(), fns: [healthy], want: [] },
  ])('$name', ({ printed, fns, want }) => {
    expect(decideFailureLines(printed, fns).lines).toEqual(want);
  });

  test('a function that recovers and breaks again is printed again', () => {
    const first = decideFailureLines(new Map(), [crash]);
    const recovered = decideFailureLines(first.printed, [healthy]);
    expect(decideFailureLines(recovered.printed, [crash]).lines).toHaveLength(1);
  });

  test('a very long reason stays one bounded line', () => {
    const [line] = decideFailureLines(new Map(), [{ key: 'n/a', broken: 'x'.repeat(1000) }]).lines;
    expect(line!.length).toBeLessThan(400);
    expect(line!.endsWith('…')).toBe(true);
  });
});
