// http mode: one warm user server per replica, started once, sent every call over keep-alive, restarted when it dies.
import type { ChildProcess } from 'node:child_process';
import { Agent, request as httpRequest } from 'node:http';
import { decideRestart, forwardableHeaders, restartBackoff, type InvocationJob } from '@spool/api';
import { decideCrashExit } from '../crash-exit.js';
import type { Clock, Timer } from '../clock.js';
import { describeError } from '../logger.js';
import { BoundedBody, declaredTooLarge, responseTooLarge } from './bounded-body.js';
import {
  appendTail,
  describeExit,
  exitOf,
  killProcessGroup,
  spawnGroup,
  userCommand,
  userEnv,
  type ExitStatus,
} from '../process-group.js';
import { callSignal } from './call-signal.js';
import { decideAfterCall } from './generation.js';
import { requestHeaders, requestPath } from './http-request.js';
import {
  notRunResult,
  platformErrorResult,
  timeoutMessage,
  type RestartReason,
  type Runner,
  type RunnerOptions,
  type RunResult,
} from './runner.js';
import { waitUntilAccepting, type TcpTarget } from './tcp-probe.js';

/** One run of the user process. */
interface Generation {
  readonly child: ChildProcess;
  readonly startedAtMs: number;
  exited: boolean;
  /** Calls forwarded to this process that have not ended yet. */
  inFlight: number;
  /** A call of it timed out: it takes no new call and is replaced once `inFlight` reaches 0. */
  draining: boolean;
  killing?: Promise<ExitStatus>;
  killReason?: RestartReason | 'stop';
}

/**
 * A socket error can reach the call a few milliseconds before the child's exit event; waiting this long tells a
 * crash (502 FUNCTION_CRASHED) from a server that is alive but refused or dropped the request.
 */
const CRASH_SETTLE_MS = 250;

/** A user process's stderr tail kept for status: its end, where the error usually is (issue 12: ≤ 2 KiB, 10 lines). */
const STATUS_STDERR_BYTES = 2048;
const STATUS_STDERR_LINES = 10;
/** This many quick crashes in a row while never ready is a crash loop, reported on `/_/ready`. */
const CRASH_LOOP_CRASHES = 2;

/** How the user process last ended, with the last lines of its stderr. */
export function lastExitMessage(status: ExitStatus, stderrTail: Buffer): string {
  const lines = stderrTail.toString('utf8').trim().split('\n').slice(-STATUS_STDERR_LINES).join('\n');
  return lines === '' ? describeExit(status) : `${describeExit(status)}: ${lines}`;
}

export function createHttpRunner(options: RunnerOptions): Runner {
  return new HttpRunner(options);
}

class HttpRunner implements Runner {
  private current: Generation | undefined;
  private ready = false;
  /** From a call's timeout until the replacement process is ready. */
  private replacing = false;
  private stopped = false;
  /** Quick crashes in a row, for the restart backoff. */
  private crashes = 0;
  /** How the user process last died on its own, for a crash-loop status. */
  private lastExit: string | undefined;
  private restartTimer: Timer | undefined;
  private readonly readyListeners = new Set<() => void>();
  private readonly agent: Agent;
  private readonly target: TcpTarget;

  constructor(private readonly options: RunnerOptions) {
    const { config } = options;
    // maxSockets = concurrency: the worker never has more calls in flight, so no call queues inside the agent.
    this.agent = new Agent({ keepAlive: true, maxSockets: config.spec.concurrency });
    this.target = { host: config.userHost, port: config.userPort };
  }

  async start(): Promise<void> {
    await this.launch();
  }

  isReady(): boolean {
    return this.ready && !this.stopped;
  }

  isReplacing(): boolean {
    return this.replacing && !this.stopped;
  }

  crashLoop(): string | undefined {
    return !this.ready && this.crashes >= CRASH_LOOP_CRASHES ? this.lastExit : undefined;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.setReady(false);
    this.restartTimer?.cancel();
    const generation = this.current;
    if (generation !== undefined) await this.kill(generation, 'stop');
    this.agent.destroy();
    this.wakeReadyListeners();
  }

  async run(job: InvocationJob, body: Buffer, signal: AbortSignal): Promise<RunResult> {
    const { timeoutSeconds } = this.options.config.spec;
    const call = callSignal(this.options.clock, timeoutSeconds * 1000, signal);
    try {
      const generation = await this.waitForReady(call.signal);
      if (generation === undefined) return this.unavailable(call.timedOut());
      generation.inFlight += 1;
      let timedOut = false;
      try {
        return await forward(
          this.agent,
          this.target,
          { job, body, limit: this.options.config.spec.maxResponseBytes },
          call.signal,
        );
      } catch (error) {
        timedOut = call.timedOut();
        return await this.failed(generation, timedOut, error);
      } finally {
        generation.inFlight -= 1;
        await this.afterCall(generation, timedOut);
      }
    } finally {
      call.dispose();
    }
  }

  /** The user process never got the call: it was starting, restarting (backoff) or stopping. */
  private unavailable(timedOut: boolean): RunResult {
    const { timeoutSeconds } = this.options.config.spec;
    if (this.stopped) return notRunResult('FUNCTION_UNAVAILABLE', 'the watchdog is shutting down');
    const why = timedOut ? `was not ready within the call's ${timeoutSeconds} s timeout` : 'call cancelled';
    return notRunResult('FUNCTION_UNAVAILABLE', `user process ${why}`);
  }

  private async failed(generation: Generation, timedOut: boolean, error: unknown): Promise<RunResult> {
    if (timedOut) {
      this.options.events.timedOut();
      return platformErrorResult('CALL_TIMEOUT', timeoutMessage(this.options.config.spec.timeoutSeconds));
    }
    // A refused connection carried no byte of the call: the process was gone or not listening yet. That holds even
    // when its exit is seen in the same moment (a call taken just after the process died, before the runner knew).
    if (refusedConnection(error)) {
      return notRunResult('FUNCTION_UNAVAILABLE', `forwarding to the user process: ${describeError(error)}`);
    }
    const exit = await settleExit(generation, this.options.clock);
    if (exit !== undefined) {
      return platformErrorResult('FUNCTION_CRASHED', `user process ${describeExit(exit)} during the call`);
    }
    return platformErrorResult(
      'FUNCTION_UNAVAILABLE',
      `forwarding to the user process: ${describeError(error)}`,
    );
  }

  /**
   * Only a late call's process is replaced, and only once its other calls have ended (see `decideAfterCall`).
   * A late call that leaves no other call behind waits for the kill (at most killGraceMs), so its retry never
   * overlaps the stuck process; a late call beside others is answered at once, and a call in time that ends a
   * drain is answered at once too, the kill going on behind it.
   */
  private async afterCall(generation: Generation, timedOut: boolean): Promise<void> {
    const { draining, inFlight: othersInFlight } = generation;
    const action = decideAfterCall({ timedOut, draining, othersInFlight });
    if (action === 'serve' || generation.exited) return;
    if (action === 'drain') {
      if (!draining) {
        this.options.logger.info(
          'a call timed out; the user process drains its other calls, then is replaced',
          {
            pid: generation.child.pid,
            othersInFlight,
          },
        );
      }
      generation.draining = true;
      if (this.current === generation) {
        this.setReady(false);
        this.setReplacing(true);
      }
      return;
    }
    if (this.current === generation) this.setReplacing(true);
    const killed = this.kill(generation, 'timeout');
    if (timedOut) await killed;
    else
      killed.catch((error: unknown) =>
        this.options.logger.error('replacing the drained user process', { error }),
      );
  }

  private async waitForReady(signal: AbortSignal): Promise<Generation | undefined> {
    while (!signal.aborted && !this.stopped) {
      if (this.ready && this.current !== undefined) return this.current;
      await new Promise<void>((resolve) => {
        this.readyListeners.add(resolve);
        signal.addEventListener('abort', () => resolve(), { once: true });
      });
    }
    return undefined;
  }

  private setReady(ready: boolean): void {
    this.ready = ready;
    if (ready) {
      this.setReplacing(false);
      this.wakeReadyListeners();
    }
  }

  private setReplacing(replacing: boolean): void {
    if (this.replacing === replacing) return;
    this.replacing = replacing;
    this.options.events.replacing(replacing);
  }

  private wakeReadyListeners(): void {
    for (const wake of this.readyListeners) wake();
    this.readyListeners.clear();
  }

  private async launch(): Promise<void> {
    if (this.stopped) return;
    const { config, clock, logger } = this.options;
    const generation = this.spawn();
    this.current = generation;
    const stillCurrent = (): boolean => this.current === generation && !generation.exited && !this.stopped;
    const accepting = await waitUntilAccepting(this.target, {
      deadlineMs: clock.now() + config.startTimeoutMs,
      giveUp: () => !stillCurrent() || generation.killReason !== undefined,
      clock,
    });
    if (!stillCurrent() || generation.killReason !== undefined) return;
    if (accepting) {
      logger.info('user process ready', {
        pid: generation.child.pid,
        startMs: clock.now() - generation.startedAtMs,
      });
      this.setReady(true);
      return;
    }
    logger.error('user process did not accept connections in time', {
      pid: generation.child.pid,
      startTimeoutMs: config.startTimeoutMs,
      target: `${this.target.host}:${this.target.port}`,
    });
    await this.kill(generation, 'start-timeout');
  }

  private spawn(): Generation {
    const { config, baseEnv, clock } = this.options;
    const child = spawnGroup(userCommand(config.spec), {
      cwd: config.spec.workingDir,
      env: userEnv(baseEnv, config.spec.env, { PORT: String(config.userPort), HOST: config.userHost }),
      // stderr is piped only to keep its tail; every byte still goes to the watchdog's own stderr.
      stdio: ['ignore', 'inherit', 'pipe'],
      guarded: config.lifelineFd !== undefined,
    });
    let stderrTail: Buffer = Buffer.alloc(0);
    child.stderr?.on('data', (chunk: Buffer) => {
      process.stderr.write(chunk);
      stderrTail = appendTail(stderrTail, chunk, STATUS_STDERR_BYTES);
    });
    const generation: Generation = {
      child,
      startedAtMs: clock.now(),
      exited: false,
      inFlight: 0,
      draining: false,
    };
    void exitOf(child).then((status) => {
      if (generation.killReason === undefined) this.lastExit = lastExitMessage(status, stderrTail);
      this.onExit(generation, status);
    });
    return generation;
  }

  private kill(generation: Generation, reason: RestartReason | 'stop'): Promise<ExitStatus> {
    if (generation.killing === undefined) {
      generation.killReason = reason;
      if (this.current === generation) this.setReady(false);
      generation.killing = killProcessGroup(
        generation.child,
        this.options.config.killGraceMs,
        this.options.clock,
      );
    }
    return generation.killing;
  }

  private onExit(generation: Generation, status: ExitStatus): void {
    generation.exited = true;
    if (this.current !== generation) return;
    this.current = undefined;
    this.setReady(false);
    if (this.stopped || generation.killReason === 'stop') return;
    const reason = generation.killReason ?? 'crash';
    const delayMs = this.restartDelayMs(reason, generation);
    const exitAfter = this.options.config.exitAfterStartCrashes;
    if (reason === 'crash' && decideCrashExit({ crashesInARow: this.crashes, exitAfter })) {
      this.options.logger.error('user process keeps crashing at start; giving up', {
        exit: describeExit(status),
        crashesInARow: this.crashes,
      });
      this.options.events.gaveUp(this.lastExit ?? describeExit(status));
      return;
    }
    this.options.logger.error('user process exited; restarting', {
      reason,
      exit: describeExit(status),
      delayMs,
    });
    this.options.events.restarted(reason);
    this.restartTimer = this.options.clock.setTimer(delayMs, () => {
      this.launch().catch((error: unknown) =>
        this.options.logger.error('restarting the user process', { error }),
      );
    });
  }

  /** A timeout kill restarts at once: the process was healthy, the call was not. Crashes back off. */
  private restartDelayMs(reason: RestartReason, generation: Generation): number {
    if (reason === 'timeout') return 0;
    const { clock, config } = this.options;
    const upForMs = clock.now() - generation.startedAtMs;
    const { crashes, delayMs } = decideRestart(
      this.crashes,
      upForMs,
      restartBackoff(config.restartBackoffMaxMs),
    );
    this.crashes = crashes;
    return delayMs;
  }
}

const refusedConnection = (error: unknown): boolean =>
  error instanceof Error && 'code' in error && error.code === 'ECONNREFUSED';

/** The generation's exit status if it exits within CRASH_SETTLE_MS, else undefined. */
async function settleExit(generation: Generation, clock: Clock): Promise<ExitStatus | undefined> {
  const settled = new AbortController();
  const exit = exitOf(generation.child).then((status) => {
    settled.abort();
    return status;
  });
  await clock.sleep(CRASH_SETTLE_MS, settled.signal);
  return settled.signal.aborted ? exit : undefined;
}

/** Sends the call to the user server and reads its answer, up to `limit` body bytes. */
function forward(
  agent: Agent,
  target: TcpTarget,
  { job, body, limit }: { readonly job: InvocationJob; readonly body: Buffer; readonly limit: number },
  signal: AbortSignal,
): Promise<RunResult> {
  const headers = requestHeaders(job, body.length);
  return new Promise<RunResult>((resolve, reject) => {
    const req = httpRequest(
      { ...target, agent, method: job.request.method, path: requestPath(job.request), headers, signal },
      (res) => {
        const response = new BoundedBody(limit);
        const refuse = (bytes: number): void => {
          // The rest is never read: the connection goes, and the user server sees its client leave.
          resolve(responseTooLarge(limit, bytes));
          req.destroy();
        };
        const declared = res.headers['content-length'];
        if (declaredTooLarge(declared, limit)) return refuse(Number(declared));
        res.on('data', (chunk: Buffer) => {
          if (!response.add(chunk)) refuse(response.bytesSeen());
        });
        res.once('error', reject);
        res.once('close', () => {
          if (!res.complete) reject(new Error('the user server closed the connection mid-response'));
        });
        res.once('end', () =>
          resolve({
            status: res.statusCode ?? 502,
            // headersDistinct keeps every line of a repeated header (two Set-Cookie stay two).
            headers: forwardableHeaders(res.headersDistinct),
            body: response.concat(),
          }),
        );
      },
    );
    req.once('error', reject);
    req.end(body);
  });
}
