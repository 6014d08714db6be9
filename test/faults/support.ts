// The fault suite's harness: the real watchdog under the process runtime, with the lock settings a user gets
// by default, a real gateway in front, a ledger of executions written by the user server, and counting helpers.
import { expect } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FunctionRef, FunctionSpecInput, ResolvedFunction } from '@spool/api';
import type { ProcessRuntime } from '@spool/controller';
import { eventually } from '../support/eventually.js';
import {
  fixturePath,
  functionFixture,
  startGateway,
  startOutboxMover,
  type TestGateway,
} from '../support/local-functions.js';
import { localControllerConfig, localProcessRuntime } from '../support/local-stack.js';
import { runtimeCredential } from '../support/redis-auth.js';
import { suiteRedis, testRedisAddress, testRedisUrl, uniqueFunctionRef } from '../support/redis.js';

export interface LedgerEntry {
  readonly event: 'start' | 'end' | 'child' | 'crash';
  readonly callId?: string;
  readonly pid: number;
  readonly parent?: number;
  readonly atMs: number;
}

export interface Stack {
  readonly fn: ResolvedFunction;
  readonly ref: FunctionRef;
  readonly runtime: ProcessRuntime;
  readonly gateway: TestGateway;
  readonly ledgerFile: string;
  ledger(): LedgerEntry[];
  close(): Promise<void>;
}

/**
 * One function served by `replicas` real watchdogs (watchdog/dist/main.js) started by the process runtime with
 * the controller's default settings (the same env `npm start` gives replicas), behind an in-process gateway
 * with its default queue wait and recovery margin.
 */
export async function startStack(
  spec: Partial<FunctionSpecInput>,
  replicas: number,
  gatewayEnv: Record<string, string> = {},
): Promise<Stack> {
  const stateDir = mkdtempSync(join(tmpdir(), 'spool-faults-'));
  const ledgerFile = join(stateDir, 'ledger.jsonl');
  const ref = uniqueFunctionRef('ledger');
  const fn = functionFixture(ref, {
    image: 'spool-test/ledger:1',
    command: [process.execPath, fixturePath('ledger-server.mjs')],
    mode: 'http',
    timeoutSeconds: 5,
    concurrency: 4,
    env: [{ name: 'LEDGER_FILE', value: ledgerFile }],
    ...spec,
  });
  const runtime = localProcessRuntime(localControllerConfig(testRedisAddress()), { stateDir });
  // Replicas as the controller runs them: the function's own Redis user, the outbox mover beside.
  await runtime.apply(fn, await runtimeCredential(testRedisUrl(), ref));
  const mover = await startOutboxMover(suiteRedis(), [ref]);
  await runtime.scale(ref, replicas);
  await eventually(
    async () => expect(await runtime.observeReplicas(ref)).toEqual({ replicas, readyReplicas: replicas }),
    {
      timeoutMs: 30_000,
    },
  );
  const gateway = await startGateway([fn], gatewayEnv);
  const ledger = (): LedgerEntry[] =>
    existsSync(ledgerFile)
      ? readFileSync(ledgerFile, 'utf8')
          .split('\n')
          .filter((line) => line !== '')
          .map((line) => JSON.parse(line) as LedgerEntry)
      : [];
  return {
    fn,
    ref,
    runtime,
    gateway,
    ledgerFile,
    ledger,
    close: async () => {
      await gateway.close();
      await runtime.close();
      await mover.close();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

export const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** The process group of `pid` (Linux /proc), or undefined once it is gone. */
export function processGroupOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // pid (comm) state ppid pgrp ...: comm may hold spaces, so split after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[2]);
  } catch {
    return undefined;
  }
}

export const groupIsAlive = (pgid: number): boolean => {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** How the calls of one scenario ended: what the fault suite asserts and docs/reliability.md tabulates. */
export interface Tally {
  readonly sent: number;
  readonly answered: number;
  readonly lost: number;
  /** Calls whose user code ran to its end more than once. */
  readonly duplicated: number;
  /** Calls started more than once: re-runs after the replica died mid-call (at-least-once). */
  readonly rerun: number;
  /** Executions that ended after the kill in a process of the killed replicas: orphans. */
  readonly orphanEnds: number;
  /** From the kill to the last answer. */
  readonly recoverMs: number;
}

export function tally(options: {
  readonly callIds: readonly string[];
  readonly answered: readonly string[];
  readonly ledger: readonly LedgerEntry[];
  readonly killedPids: ReadonlySet<number>;
  readonly killAtMs: number;
  readonly lastAnswerAtMs: number;
}): Tally {
  const count = (event: 'start' | 'end', id: string): number =>
    options.ledger.filter((e) => e.event === event && e.callId === id).length;
  return {
    sent: options.callIds.length,
    answered: options.answered.length,
    lost: options.callIds.filter((id) => !options.answered.includes(id)).length,
    duplicated: options.callIds.filter((id) => count('end', id) > 1).length,
    rerun: options.callIds.filter((id) => count('start', id) > 1).length,
    orphanEnds: options.ledger.filter(
      (e) => e.event === 'end' && e.atMs > options.killAtMs && options.killedPids.has(e.pid),
    ).length,
    recoverMs: options.lastAnswerAtMs - options.killAtMs,
  };
}

/** One report format for every scenario of the suite. */
export { report } from './support/tally.js';
