// Fault suite (issue 10 item 8): async calls arrive while the user process is down and in restart backoff (its
// server SIGKILLed, then crashing at start three times in a row). A call that never reached user code keeps its
// attempt: with `maxAttempts: 1` every call must still complete, once, on its first counted attempt.
import { afterEach, describe, expect, jest, test } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { eventually } from '../support/eventually.js';
import { report, startStack, tally, type Stack } from './support.js';

jest.setTimeout(120_000);

const stacks: Stack[] = [];
afterEach(async () => {
  while (stacks.length > 0) await stacks.pop()?.close();
});

interface CallState {
  readonly state: string;
  readonly attempts: number;
  readonly failedReason?: string;
}

/** Read tokens by call id: reading a call needs the token its 202 returned. */
const tokens = new Map<string, string>();

async function callState(s: Stack, id: string): Promise<CallState> {
  const response = await fetch(`${s.gateway.url}/calls/${id}`, {
    headers: { 'x-call-token': tokens.get(id) ?? '' },
  });
  return (await response.json()) as CallState;
}

describe('the user process in restart backoff', () => {
  test('async calls sent while it crashes at start do not use up attempts: all complete once', async () => {
    const s = await stack();
    const base = `${s.gateway.url}/function/${s.ref.name}.${s.ref.namespace}`;
    const warm = await fetch(`${base}?ms=10`);
    expect(warm.status).toBe(200);
    const [server] = s.ledger().filter((e) => e.event === 'start');
    const crashes = 3;
    writeFileSync(`${s.ledgerFile}.crash-starts`, String(crashes));
    process.kill(server!.pid, 'SIGKILL');
    const killAtMs = Date.now();

    const n = 12;
    const callIds = await Promise.all(
      Array.from({ length: n }, async () => {
        const response = await fetch(
          `${s.gateway.url}/async-function/${s.ref.name}.${s.ref.namespace}?ms=200`,
          {
            method: 'POST',
          },
        );
        expect(response.status).toBe(202);
        const id = response.headers.get('x-call-id') ?? '';
        tokens.set(id, response.headers.get('x-call-token') ?? '');
        return id;
      }),
    );
    const states = await eventually(
      async () => {
        const all = await Promise.all(callIds.map((id) => callState(s, id)));
        expect(all.filter((c) => c.state !== 'succeeded' && c.state !== 'failed')).toEqual([]);
        return all;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    const ledger = s.ledger();
    const succeeded = callIds.filter((_, i) => states[i]?.state === 'succeeded');
    const lastEndAtMs = Math.max(...ledger.filter((e) => e.event === 'end').map((e) => e.atMs));
    const figures = tally({
      callIds,
      answered: succeeded,
      ledger,
      killedPids: new Set(),
      killAtMs,
      lastAnswerAtMs: lastEndAtMs,
    });
    const crashLines = ledger.filter((e) => e.event === 'crash' && e.atMs >= killAtMs);
    const crashed = crashLines.length;
    const lastCrashAtMs = Math.max(...crashLines.map((e) => e.atMs));
    const starts = ledger.filter((e) => e.event === 'start' && callIds.includes(e.callId ?? ''));
    report('async calls during restart backoff (3 crashes at start), maxAttempts 1', { ...figures, crashed });
    expect({
      ...figures,
      crashed,
      // A failed call names its reason, so a failure here says which path spent the attempt.
      states: [
        ...new Set(
          states.map((c) => `${c.state} after ${c.attempts}${c.failedReason ? `: ${c.failedReason}` : ''}`),
        ),
      ],
      // Sent while no user process was up: every call reached user code only after the last crash.
      ranAfterBackoff: starts.length === n && starts.every((e) => e.atMs > lastCrashAtMs),
    }).toEqual({
      sent: n,
      answered: n,
      lost: 0,
      duplicated: 0,
      rerun: 0,
      orphanEnds: 0,
      recoverMs: figures.recoverMs,
      crashed: crashes,
      states: ['succeeded after 1'],
      ranAfterBackoff: true,
    });
  });
});

async function stack(): Promise<Stack> {
  // One replica and one attempt per call: an attempt spent on the restart would fail a call outright.
  const s = await startStack({ timeoutSeconds: 5, concurrency: 4, async: { maxAttempts: 1 } }, 1);
  stacks.push(s);
  return s;
}
