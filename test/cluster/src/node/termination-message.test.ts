// The kubelet's rule for a container's termination message, as rows.
import { decideTerminationMessage } from './termination-message.js';
import { describe, expect, test } from '@jest/globals';

describe('decideTerminationMessage', () => {
  const base = { policy: 'File', exitCode: 1, fileText: '', log: 'line 1\nline 2\n' };
  test.each([
    { name: 'the file wins', o: { ...base, fileText: 'why' }, want: 'why' },
    {
      name: 'the file is read even on a clean exit',
      o: { ...base, exitCode: 0, fileText: 'done' },
      want: 'done',
    },
    { name: 'File policy: no file, no message', o: base, want: undefined },
    {
      name: 'FallbackToLogsOnError: the log when the file is empty',
      o: { ...base, policy: 'FallbackToLogsOnError' },
      want: 'line 1\nline 2',
    },
    {
      name: 'FallbackToLogsOnError: not on a clean exit',
      o: { ...base, policy: 'FallbackToLogsOnError', exitCode: 0 },
      want: undefined,
    },
    {
      name: 'FallbackToLogsOnError: an empty log gives none',
      o: { ...base, policy: 'FallbackToLogsOnError', log: '' },
      want: undefined,
    },
    {
      name: 'FallbackToLogsOnError: the last 80 lines',
      o: {
        ...base,
        policy: 'FallbackToLogsOnError',
        log: Array.from({ length: 100 }, (_, i) => `l${i}`).join('\n'),
      },
      want: Array.from({ length: 80 }, (_, i) => `l${i + 20}`).join('\n'),
    },
  ])('$name', ({ o, want }) => {
    expect(decideTerminationMessage(o)).toBe(want);
  });

  test('a long log keeps its last 2048 bytes, a long file its last 4096', () => {
    const long = 'x'.repeat(5000) + 'END';
    const fromLog = decideTerminationMessage({ ...base, policy: 'FallbackToLogsOnError', log: long });
    expect(fromLog?.length).toBe(2048);
    expect(fromLog?.endsWith('END')).toBe(true);
    expect(decideTerminationMessage({ ...base, fileText: long })?.length).toBe(4096);
  });
});
