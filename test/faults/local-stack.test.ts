// Issue 10, item 4: `npm start`'s supervised stack. Its Redis, gateway and controller are SIGKILLed in turn:
// each comes back (Redis on the same port with its AOF) and calls succeed again; a killed controller's
// replicas do not outlive it; SIGTERM to the launcher leaves no process of the stack behind.
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import type { ChildProcess } from 'node:child_process';
import { taggedProcesses } from '../../scripts/stack-processes.js';
import { descendantsOf, isAlive } from '@spool/test-cluster';
import { eventually } from '../support/eventually.js';
import { startLauncher, type Launcher, type StackFile } from './support/launcher.js';
import { call, executions, report, tally, type Answer } from './support/tally.js';

jest.setTimeout(180_000);

let stack: Launcher;
let launcher: ChildProcess;
let url: string;
let countLog: string;
const stackFile = (): StackFile => stack.stackFile();

const calls = (prefix: string, n: number): Promise<Answer[]> =>
  Promise.all(
    Array.from({ length: n }, (_, i) => `${prefix}-${i}`).map((id) =>
      call(`${url}/function/count?id=${id}`, id),
    ),
  );

beforeAll(async () => {
  stack = await startLauncher();
  ({ process: launcher, url, countLog } = stack);
});

// Only if a test failed before the SIGTERM test: kill whatever of this stack is left.
afterAll(() => stack?.remove());

describe('the supervised local stack', () => {
  test.each(['redis', 'gateway', 'controller'] as const)(
    '%s SIGKILLed: it is restarted and calls succeed again',
    async (name) => {
      const before = stackFile().children[name];
      expect(before).not.toBeNull();
      const leftBehind = name === 'controller' ? descendantsOf(before!) : [];
      const killedAt = Date.now();
      process.kill(before!, 'SIGKILL');
      await eventually(() => expect(stackFile().children[name]).not.toBe(before), { timeoutMs: 15_000 });
      await eventually(
        async () => expect((await call(`${url}/function/count?id=probe`, 'probe')).status).toBe(200),
        {
          timeoutMs: 60_000,
          intervalMs: 250,
        },
      );
      const recoverMs = Date.now() - killedAt;
      const answers = await calls(`after-${name}`, 10);
      const runs = executions(countLog);
      // The dead controller's replicas (watchdogs and user processes) are stopped by the launcher.
      await eventually(() => expect(leftBehind.filter(isAlive)).toEqual([]), { timeoutMs: 25_000 });
      report(`local-stack-${name}-killed`, {
        ...tally(answers, runs),
        recoverMs,
        leftBehind: leftBehind.length,
      });
      expect({
        statuses: answers.map((a) => a.status),
        ranOnce: answers.every((a) => runs.get(a.id) === 1),
        line: stack.output().includes(`spool: ${name} exited (SIGKILL)`),
      }).toEqual({ statuses: answers.map(() => 200), ranOnce: true, line: true });
    },
  );

  test('SIGTERM to the launcher leaves no process of the stack behind', async () => {
    const { stack, children } = stackFile();
    const groups = Object.values(children).filter((pid): pid is number => pid !== null);
    expect(taggedProcesses(`${stack}/`).length).toBeGreaterThan(3);
    // Redis among them: its process title used to overwrite the environment the tag is read from, so a killed
    // launcher's Redis was found by nothing and outlived the stack.
    expect(taggedProcesses(`${stack}/`).map((p) => p.pid)).toContain(children.redis);
    const started = Date.now();
    const exited = new Promise<number | null>((resolve) => launcher.once('exit', (code) => resolve(code)));
    launcher.kill('SIGTERM');
    const code = await exited;
    const stopMs = Date.now() - started;
    const groupAlive = (pgid: number): boolean => {
      try {
        process.kill(-pgid, 0);
        return true;
      } catch {
        return false;
      }
    };
    report('local-stack-sigterm', { stopMs, code, left: taggedProcesses(`${stack}/`).length });
    // A process of the launcher's group may still be exiting when the launcher's own exit is seen (a fresh clone's
    // CI run saw the group alive at that instant): wait, bounded, for the last of them.
    await eventually(
      () =>
        expect({
          code,
          left: taggedProcesses(`${stack}/`).map((p) => p.pid),
          groups: groups.filter(groupAlive),
          launcherGroup: groupAlive(launcher.pid!),
        }).toEqual({ code: 0, left: [], groups: [], launcherGroup: false }),
      { timeoutMs: 5_000 },
    );
  });
});
