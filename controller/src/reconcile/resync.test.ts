import { describe, expect, test } from '@jest/globals';
import type { FunctionStatus } from '@spool/api';
import { resyncAfterMs, STARTING_RECHECK_MAX_MS, STARTING_RECHECK_MS, STATUS_RESYNC_MS } from './resync.js';

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
    expect(resyncAfterMs(status, 1)).toBe(want);
  });

  test.each([
    { served: 1_000, status: withReady('ScaledToZero', 'True'), want: STATUS_RESYNC_MS },
    { served: 2_500, status: withReady('ScaledToZero', 'True'), want: STATUS_RESYNC_MS },
    { served: 10_000, status: withReady('ScaledToZero', 'True'), want: 40_000 },
    { served: 100_000, status: withReady('Serving', 'True'), want: 400_000 },
    { served: 250, status: withReady('Starting'), want: STARTING_RECHECK_MS },
    { served: 1_000, status: withReady('Starting'), want: 4_000 },
    { served: 10_000, status: withReady('Deploying'), want: STARTING_RECHECK_MAX_MS },
  ])('$served functions, $status.conditions.1.reason: every $want ms', ({ served, status, want }) => {
    expect(resyncAfterMs(status, served)).toBe(want);
  });
});
