import { describe, expect, test } from '@jest/globals';
import { decideCrashExit, terminationMessage, TERMINATION_MESSAGE_BYTES } from './crash-exit.js';

describe('decideCrashExit', () => {
  test.each([
    { name: 'local mode (0) never exits', crashesInARow: 50, exitAfter: 0, want: false },
    { name: 'first quick crash restarts', crashesInARow: 1, exitAfter: 3, want: false },
    { name: 'second quick crash restarts', crashesInARow: 2, exitAfter: 3, want: false },
    { name: 'third quick crash in a row exits', crashesInARow: 3, exitAfter: 3, want: true },
    { name: 'past the count exits', crashesInARow: 4, exitAfter: 3, want: true },
    { name: 'a count of 1 exits at the first crash', crashesInARow: 1, exitAfter: 1, want: true },
    { name: 'no crash yet', crashesInARow: 0, exitAfter: 1, want: false },
  ])('$name', ({ crashesInARow, exitAfter, want }) => {
    expect(decideCrashExit({ crashesInARow, exitAfter })).toBe(want);
  });
});

describe('terminationMessage', () => {
  test('names the user process and keeps a short message whole', () => {
    expect(terminationMessage('exit code 3: boom')).toBe('user process exit code 3: boom');
  });

  test('a long stderr tail keeps its end within what Kubernetes stores', () => {
    const message = terminationMessage(`exit code 1: ${'x'.repeat(5000)}THE END`);
    expect(Buffer.byteLength(message, 'utf8')).toBeLessThanOrEqual(TERMINATION_MESSAGE_BYTES);
    expect(message.endsWith('THE END')).toBe(true);
    expect(message.startsWith('…')).toBe(true);
  });
});
