// The strategy that turns one job into one response from user code: a warm server (http) or a process per call (fork).
import {
  platformFailure,
  type ErrorCode,
  type InvocationJob,
  type InvocationResult,
  type WatchdogConfig,
} from '@spool/api';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { EnvMap } from '../process-group.js';

/**
 * What a runner produces, its body as bytes; the worker stamps `attempt` and the timing onto it and decides where
 * the body travels (inline, or apart in its own key: outcome.ts `placeResult`).
 */
export type RunResult = Omit<
  InvocationResult,
  'attempt' | 'startedAtMs' | 'finishedAtMs' | 'bodyBase64' | 'bodyStoredBytes'
> & {
  readonly body: Buffer;
  /**
   * The call never reached user code: the process was starting, restarting or stopping, or refused the
   * connection. The worker does not count such a run as an async attempt (outcome.ts `decideNotRun`).
   */
  readonly notRun?: true;
};

export interface Runner {
  /** Starts the user process (http mode) and waits, bounded by `startTimeoutMs`, for it to accept work. */
  start(): Promise<void>;
  /**
   * Never rejects: timeouts, crashes and unreachable processes come back as results with `error` set. `body` is
   * the request body, read and length-checked by the worker (inline in the job or from its own key).
   */
  run(job: InvocationJob, body: Buffer, signal: AbortSignal): Promise<RunResult>;
  /** The user process is up and accepting work. */
  isReady(): boolean;
  /** A call timed out: the user process takes no new call until its replacement is ready (http mode). */
  isReplacing(): boolean;
  /** How the user process last ended, while it keeps exiting soon after it starts and is not ready; else undefined. */
  crashLoop(): string | undefined;
  /** Kills the user process group(s) and waits for them to exit. */
  stop(): Promise<void>;
}

/** Observations a runner reports, for metrics and logs. */
export interface RunnerEvents {
  restarted(reason: RestartReason): void;
  timedOut(): void;
  /** True when a timeout starts replacing the user process, false once the replacement is ready. */
  replacing(active: boolean): void;
  /**
   * The user process crashed at start `exitAfterStartCrashes` times in a row: the runner no longer restarts it.
   * `lastExit` is how it last ended, with its stderr tail.
   */
  gaveUp(lastExit: string): void;
}

export interface RunnerOptions {
  readonly config: WatchdogConfig;
  /** The watchdog's own environment, passed on to the user process beneath `spec.env`. */
  readonly baseEnv: EnvMap;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly events: RunnerEvents;
}

export type RestartReason = 'crash' | 'timeout' | 'start-timeout';

/** A response Spool produced instead of the function: JSON `{ code, message }` with the code's status. */
export function platformErrorResult(code: ErrorCode, message: string): RunResult {
  const { bodyBase64, ...failure } = platformFailure(code, message);
  return { ...failure, body: Buffer.from(bodyBase64, 'base64') };
}

/** A platform error for a call that never reached user code. */
export function notRunResult(code: ErrorCode, message: string): RunResult {
  return { ...platformErrorResult(code, message), notRun: true };
}

export const timeoutMessage = (timeoutSeconds: number): string => `call ran past ${timeoutSeconds} s`;
