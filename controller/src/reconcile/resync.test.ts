import { describe, expect, test } from '@jest/globals';
import type { FunctionStatus } from '@spool/api';
import { resyncAfterMs, STARTING_RECHECK_MS, STATUS_RESYNC_MS } from './resync.js';

const withReady = (reason: string, status: 'True' | 'False' = 'False'): FunctionStatus => ({
  conditions: [
    { type: 'Valid', status: 'True', reason: 'SpecValid', message: '', lastTransitionTime: '' },
    { type: 'Ready', status, reason, message: '', lastTransitionTime: '' },
  ],
});

describe('resyncAfterMs', () => {
  test.each([
    { name: 'starting: soon', status: withReady('Starting'), want: STARTING_RECHECK_MS },
    { name: 'deploying: soon', status: withReady('Deploying'), want: STARTING_RECHECK_MS },
    { name: 'serving: usual pace', status: withReady('Serving', 'True'), want: STATUS_RESYNC_MS },
    { name: 'at zero: usual pace', status: withReady('ScaledToZero', 'True'), want: STATUS_RESYNC_MS },
    { name: 'crash loop found: usual pace', status: withReady('CrashLoopBackOff'), want: STATUS_RESYNC_MS },
    { name: 'no conditions yet: usual pace', status: {}, want: STATUS_RESYNC_MS },
  ])('$name', ({ status, want }) => {
    expect(resyncAfterMs(status)).toBe(want);
  });
});
