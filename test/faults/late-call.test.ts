// Fault suite (issue 10 item 6): a timeout kills only the late call. One replica in `http` mode with concurrency 4,
// through the gateway: one call runs past the 4 s timeout while three others run beside it; the late one is
// answered 504 at once, the three finish 200 on the same process, a fifth sent during the drain is answered by
// the replacement, and nothing runs twice.
import { afterEach, describe, expect, jest, test } from '@jest/globals';
import { eventually } from '../support/eventually.js';
import { report, startStack, tally, type Stack } from './support.js';
import { call, type Answer } from './support/tally.js';

jest.setTimeout(90_000);

const stacks: Stack[] = [];
afterEach(async () => {
  while (stacks.length > 0) await stacks.pop()?.close();
});

describe('a late call among others on one process', () => {
  test('only the late call fails (504 at once); the others and one sent during the drain answer 200', async () => {
    const s = await startStack({ timeoutSeconds: 4, concurrency: 4 }, 1);
    stacks.push(s);
    const url = (ms: number, id: string): string =>
      `${s.gateway.url}/function/${s.ref.name}.${s.ref.namespace}?ms=${ms}&tag=${id}`;
    const arrivals: string[] = [];
    const tracked = (ms: number, id: string): Promise<Answer> =>
      call(url(ms, id), id).then((answer) => {
        arrivals.push(id);
        return answer;
      });

    const lateAnswer = tracked(20_000, 'late');
    const lateStart = await eventually(() => {
      const started = s.ledger().find((e) => e.event === 'start');
      expect(started).toBeDefined();
      return started!;
    });
    // Scenario timing, not a wait for a condition: the three start 1.5 s into the late call and take 3 s, so they
    // are running when it times out at 4 s and end at about 4.5 s, within their own deadline.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const beside = ['a', 'b', 'c'].map((id) => tracked(3_000, id));
    const late = await lateAnswer;
    const answeredLateAtMs = Date.now();
    const drained = tracked(100, 'during-drain');
    const answers = [late, ...(await Promise.all(beside)), await drained];

    const ledger = s.ledger();
    const starts = ledger.filter((e) => e.event === 'start');
    const pids = starts.map((e) => e.pid);
    const callIds = starts.map((e) => e.callId ?? '');
    const figures = tally({
      callIds: [...new Set(callIds)],
      answered: [...new Set(callIds)],
      ledger,
      killedPids: new Set(),
      killAtMs: answeredLateAtMs,
      lastAnswerAtMs: Date.now(),
    });
    report('late call beside 3 others, concurrency 4, timeout 4 s', {
      sent: answers.length,
      answered: answers.filter((a) => a.status !== 0).length,
      lost: answers.filter((a) => a.status === 0).length,
      duplicated: figures.duplicated,
      rerun: figures.rerun,
      timedOut: answers.filter((a) => a.status === 504).length,
      ok: answers.filter((a) => a.status === 200).length,
      lateAnsweredMs: late.ms,
      recoverMs: figures.recoverMs,
    });
    expect({
      statuses: answers.map((a) => `${a.id} ${a.status}${a.status === 200 ? '' : ` ${a.code}`}`),
      firstAnswered: arrivals[0],
      // The late call is answered at its timeout, not after the drain.
      lateAtTimeout: late.ms < 4_000 + 2_000,
      besideOnSameProcess: pids.slice(1, 4).every((pid) => pid === lateStart.pid),
      drainedOnReplacement: pids[4] !== undefined && pids[4] !== lateStart.pid,
      duplicated: figures.duplicated,
      rerun: figures.rerun,
    }).toEqual({
      statuses: ['late 504 CALL_TIMEOUT', 'a 200', 'b 200', 'c 200', 'during-drain 200'],
      firstAnswered: 'late',
      lateAtTimeout: true,
      besideOnSameProcess: true,
      drainedOnReplacement: true,
      duplicated: 0,
      rerun: 0,
    });
  });
});
