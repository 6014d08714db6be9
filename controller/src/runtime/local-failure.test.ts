import { describe, expect, test } from '@jest/globals';
import { decideLocalFailure, type LocalFailureObservation } from './local-failure.js';

const now = 100_000;
const starting = { startedAtMs: now - 5_000, becameReady: false, ready: false };
const base: LocalFailureObservation = {
  consecutiveCrashes: 0,
  lastExit: undefined,
  replicas: [starting],
  startTimeoutMs: 30_000,
};

describe('decideLocalFailure', () => {
  test.each<{ name: string; o: LocalFailureObservation; want: string | undefined }>([
    { name: 'starting within the timeout: nothing wrong', o: base, want: undefined },
    { name: 'no replicas: nothing wrong', o: { ...base, replicas: [] }, want: undefined },
    {
      name: 'replicas exiting in a row: CrashLoopBackOff with the last exit',
      o: { ...base, consecutiveCrashes: 2, lastExit: 'exit code 1' },
      want: 'CrashLoopBackOff: replicas exit soon after they start and restart with backoff; last exit code 1',
    },
    {
      name: 'one replica exit is not yet a loop',
      o: { ...base, consecutiveCrashes: 1, lastExit: 'exit code 1' },
      want: undefined,
    },
    {
      name: "the watchdog's crash-loop answer",
      o: { ...base, replicas: [{ ...starting, crashLoop: 'user process exited with code 3: boom' }] },
      want: 'CrashLoopBackOff: user process exited with code 3: boom',
    },
    {
      name: 'never ready past the start timeout: StartTimeout',
      o: { ...base, replicas: [{ ...starting, startedAtMs: now - 31_000 }] },
      want: 'StartTimeout: not ready 31 s after start (start timeout 30 s): the user process does not accept connections',
    },
    {
      name: 'exactly at the timeout: still starting',
      o: { ...base, replicas: [{ ...starting, startedAtMs: now - 30_000 }] },
      want: undefined,
    },
    {
      name: 'one replica ready: no verdict on the other',
      o: {
        ...base,
        replicas: [
          { ...starting, startedAtMs: now - 60_000 },
          { startedAtMs: now - 60_000, becameReady: true, ready: true },
        ],
      },
      want: undefined,
    },
    {
      name: 'a replica that served once and is unready now: not a start timeout',
      o: { ...base, replicas: [{ startedAtMs: now - 60_000, becameReady: true, ready: false }] },
      want: undefined,
    },
    {
      name: 'the oldest stuck replica names the age',
      o: {
        ...base,
        replicas: [
          { ...starting, startedAtMs: now - 40_000 },
          { ...starting, startedAtMs: now - 35_000 },
        ],
      },
      want: 'StartTimeout: not ready 40 s after start (start timeout 30 s): the user process does not accept connections',
    },
  ])('$name', ({ o, want }) => {
    const failure = decideLocalFailure(o, now);
    expect(failure && `${failure.reason}: ${failure.message}`).toBe(want);
  });
});
