// The BullMQ worker on the function's queue: job → runner → result, inside the caller's trace.
import {
  SpanKind,
  SpanStatusCode,
  context,
  propagation,
  trace,
  type Context,
  type Tracer,
} from '@opentelemetry/api';
import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import { readCheckedBody, storeBody, storeRetainedBody, type Redis } from '@spool/node';
import {
  KEY_PREFIX,
  asyncResultBodyTtlMs,
  decodeInvocationJob,
  decoded,
  dropLog,
  failureReason,
  functionKey,
  hasStoredBody,
  isFailedResult,
  parseCallId,
  queueName,
  refused,
  requestBodyKey,
  resultBodyKey,
  syncResultBodyTtlMs,
  withdrawnKey,
  type CallbackJob,
  type Decoded,
  type DropLog,
  type FunctionRef,
  type InvocationJob,
  type InvocationResult,
  type Reply,
  type WatchdogConfig,
} from '@spool/api';
import type { Clock } from './clock.js';
import type { Logger } from './logger.js';
import type { WatchdogMetrics } from './metrics.js';
import {
  attemptFailureReason,
  callbackJobFor,
  decideJob,
  decideNotRun,
  deliverableResult,
  type FinishedRun,
  mayBeWithdrawn,
  placeResult,
  stampResult,
} from './outcome.js';
import { publishReply } from './replies.js';
import { platformErrorResult, type Runner } from './runner/runner.js';

export interface InvocationWorkerOptions {
  readonly config: WatchdogConfig;
  readonly runner: Runner;
  /** Blocking-capable (`maxRetriesPerRequest: null`); BullMQ duplicates it for its blocking fetch. */
  readonly connection: Redis;
  /** Shared, never blocked: reply publishes. */
  readonly publisher: Redis;
  /** Hands an ended async call's callback on for delivery (replies.ts pushCallbackToOutbox). */
  readonly sendCallback: (callback: CallbackJob) => Promise<void>;
  readonly clock: Clock;
  readonly tracer: Tracer;
  readonly metrics: WatchdogMetrics;
  readonly logger: Logger;
}

/** The error an async attempt fails with, so BullMQ retries it; it carries the result for the callback. */
export class FailedAttemptError extends Error {
  constructor(readonly result: InvocationResult) {
    super(attemptFailureReason(result));
    this.name = 'FailedAttemptError';
  }
}

export interface InvocationWorker {
  readonly worker: Worker<unknown, InvocationResult | null>;
  /** Resolves when callback enqueues started by job events have finished (before Redis closes). */
  settled(): Promise<void>;
}

/** Jobs decoded when they were taken, for their completion events: the body is checked once per attempt. */
const decodedJobs = new WeakMap<Job, InvocationJob>();

/**
 * BullMQ's `job.data` is bytes from Redis like any message, and any client of the Redis may have queued it: it must
 * decode, and its call id must name this watchdog's function.
 */
function readJob(config: WatchdogConfig, job: Job<unknown>): Decoded<InvocationJob> {
  const cached = decodedJobs.get(job);
  if (cached !== undefined) return { ok: true, value: cached };
  const data = decodeInvocationJob(job.data);
  if (!data.ok) return data;
  const ref = parseCallId(data.value.callId)?.ref;
  if (ref === undefined || functionKey(ref) !== functionKey(config.function))
    return refused(`callId: ${data.value.callId} is not a call of ${functionKey(config.function)}`);
  decodedJobs.set(job, data.value);
  return data;
}

export function createInvocationWorker(options: InvocationWorkerOptions): InvocationWorker {
  const { config, connection } = options;
  const pending = new Set<Promise<void>>();
  const track = (work: Promise<void>): void => {
    pending.add(work);
    void work.finally(() => pending.delete(work));
  };
  const refusals = dropLog();
  const worker = new Worker<unknown, InvocationResult | null>(
    queueName(config.function),
    (job, token, signal) =>
      processInvocation(options, refusals, { job, token }, signal ?? new AbortController().signal),
    {
      connection,
      prefix: KEY_PREFIX,
      concurrency: config.spec.concurrency,
      // A replica that dies stops renewing its locks; within lockDurationMs + stalledIntervalMs (7.5 s by
      // default) a live replica's stall check moves its calls back to the queue, sync ones too: BullMQ counts
      // stalls apart from attempts (see api QueueLockConfig, docs/reliability.md).
      lockDuration: config.lock.lockDurationMs,
      lockRenewTime: config.lock.lockRenewMs,
      stalledInterval: config.lock.stalledIntervalMs,
      maxStalledCount: config.lock.maxStalledCount,
    },
  );
  worker.on('error', (error) => options.logger.error('queue worker error', { error }));
  worker.on('completed', (job, result) => track(onCompleted(options, job, result)));
  worker.on('failed', (job, error) => track(onFailed(options, job, error)));
  return { worker, settled: async () => void (await Promise.all(pending)) };
}

/** A job that does not decode fails at once, unretried, with a reason `/calls` shows; the worker goes on. */
function refuseJob(options: InvocationWorkerOptions, refusals: DropLog, job: Job, error: string): never {
  const dropped = refusals.drop('job', options.clock.now());
  if (dropped !== undefined)
    options.logger.error('refused a malformed job', { jobId: job.id, error: error.slice(0, 300), dropped });
  throw new UnrecoverableError(failureReason('INVALID_REQUEST', `job refused: ${error}`));
}

/** How long a call that never reached user code waits in `delayed` before a replica takes it again. */
const NOT_RUN_DELAY_MS = 250;

async function processInvocation(
  options: InvocationWorkerOptions,
  refusals: DropLog,
  { job, token }: { readonly job: Job<unknown>; readonly token: string | undefined },
  signal: AbortSignal,
): Promise<InvocationResult | null> {
  const { clock, metrics, logger } = options;
  const read = readJob(options.config, job);
  if (!read.ok) return refuseJob(options, refusals, job, read.error);
  const data = read.value;
  if (decideJob(data, clock.now(), job.stalledCounter) === 'expired') {
    metrics.expiredSkipped.inc();
    logger.info('skipped a call its caller had already been answered 504 for', { callId: data.callId });
    return null;
  }
  if (await isWithdrawn(options, job, data))
    throw new UnrecoverableError(
      failureReason(
        'QUEUE_UNAVAILABLE',
        'withdrawn: its caller was answered 503 when Redis did not take it in time',
      ),
    );
  const body = await readRequestBody(options, data);
  if (!body.ok) return payloadLost(options, { job, data }, body.error);
  const { result: run, notRun } = await invokeTraced(options, { job, data }, body.value, signal);
  if (token !== undefined && decideNotRun(data.kind, notRun, job) === 'defer') {
    // Not an attempt: BullMQ's moveToDelayed keeps attemptsMade, and DelayedError tells the worker it is moved.
    logger.info('call did not reach user code; queued again without using an attempt', {
      callId: data.callId,
      reason: attemptFailureReason(run),
    });
    await job.moveToDelayed(Date.now() + NOT_RUN_DELAY_MS, token);
    throw new DelayedError();
  }
  return settleAttempt(options, data, run);
}

/** Stores, replies and returns one attempt's result; a failed async attempt throws, so BullMQ retries it. */
async function settleAttempt(
  options: InvocationWorkerOptions,
  data: InvocationJob,
  run: FinishedRun,
): Promise<InvocationResult> {
  const { result, apart } = placeResult(run);
  // Written before the reply and the return value that record its length, so no reader finds it missing.
  if (apart !== undefined) await storeResultBody(options, data, apart);
  if (data.replyTo !== undefined) await deliverReply(options, data.replyTo, { callId: data.callId, result });
  if (data.kind === 'async' && isFailedResult(result)) throw new FailedAttemptError(result);
  return result;
}

/** The call's function and job id, from a call id `readJob` has checked names this watchdog's function. */
function callOf(options: InvocationWorkerOptions, data: InvocationJob): { ref: FunctionRef; jobId: string } {
  return { ref: options.config.function, jobId: parseCallId(data.callId)?.jobId ?? '' };
}

/** The request body: inline in the job, or read from its own key and checked against the length the job records. */
async function readRequestBody(
  options: InvocationWorkerOptions,
  data: InvocationJob,
): Promise<Decoded<Buffer>> {
  const expected = data.request.bodyStoredBytes;
  if (expected === undefined) return decoded(Buffer.from(data.request.bodyBase64, 'base64'));
  const { ref, jobId } = callOf(options, data);
  const what = `the body of call ${data.callId}`;
  return readCheckedBody(options.publisher, requestBodyKey(ref, jobId), expected, what).catch(
    (cause: unknown) => {
      throw new Error(`reading ${what}`, { cause });
    },
  );
}

/**
 * Kept as long as the call's result is: a sync call's until its gateway reads it, an async call's while retained,
 * within the function's budget of retained bytes.
 */
async function storeResultBody(
  options: InvocationWorkerOptions,
  data: InvocationJob,
  body: Buffer,
): Promise<void> {
  const { ref, jobId } = callOf(options, data);
  const { spec } = options.config;
  try {
    if (data.kind === 'async') {
      const { retainSeconds, retainBytes } = spec.async;
      const retention = { ttlMs: asyncResultBodyTtlMs(retainSeconds), budgetBytes: retainBytes };
      await storeRetainedBody(options.publisher, { ref, jobId }, body, retention);
    } else {
      await storeBody(
        options.publisher,
        resultBodyKey(ref, jobId),
        body,
        syncResultBodyTtlMs(spec.timeoutSeconds),
      );
    }
  } catch (cause) {
    throw new Error(`storing the result body of ${data.callId}`, { cause });
  }
}

/**
 * The body a job records is gone or not its length: the call is never run with it. A sync caller is answered
 * PAYLOAD_LOST; an async call fails at once, unretried (the body will not come back), with that reason.
 */
async function payloadLost(
  options: InvocationWorkerOptions,
  { job, data }: TakenJob,
  reason: string,
): Promise<InvocationResult> {
  options.logger.error('call not run: its body is lost', { callId: data.callId, reason });
  if (data.kind === 'async') throw new UnrecoverableError(failureReason('PAYLOAD_LOST', reason));
  const now = options.clock.now();
  const timing = { attempt: job.attemptsMade + 1, startedAtMs: now, finishedAtMs: now };
  const { result } = placeResult(stampResult(platformErrorResult('PAYLOAD_LOST', reason), timing));
  if (data.replyTo !== undefined) await deliverReply(options, data.replyTo, { callId: data.callId, result });
  return result;
}

/**
 * A withdrawal is sent on the gateway's connection right behind the add, so it lands within a few of Redis's 16 KB
 * reads of that backlog: this long after taking the job, its mark is there if it ever will be.
 */
const WITHDRAWAL_SETTLE_MS = 50;

/** Whether the gateway withdrew this job (answered its caller 503); asked only of jobs that may be (mayBeWithdrawn). */
async function isWithdrawn(
  options: InvocationWorkerOptions,
  job: Job<unknown>,
  data: InvocationJob,
): Promise<boolean> {
  if (job.id === undefined || !mayBeWithdrawn(data, options.clock.now(), job)) return false;
  await options.clock.sleep(WITHDRAWAL_SETTLE_MS);
  return (await options.publisher.exists(withdrawnKey(options.config.function, job.id))) === 1;
}

/** A job taken from the queue and its decoded data. */
interface TakenJob {
  readonly job: Job<unknown>;
  readonly data: InvocationJob;
}

/** Runs the call in a `watchdog.invoke` span whose parent is the gateway's span carried in `job.data.trace`. */
/** One run's result, and whether its call never reached user code (`RunResult.notRun`). */
interface Attempt {
  readonly result: FinishedRun;
  readonly notRun: boolean;
}

function invokeTraced(
  options: InvocationWorkerOptions,
  { job, data }: TakenJob,
  body: Buffer,
  signal: AbortSignal,
): Promise<Attempt> {
  const { tracer, clock } = options;
  const parent = propagation.extract(context.active(), data.trace);
  const attributes = {
    'spool.call_id': data.callId,
    'spool.call_kind': data.kind,
    'spool.attempt': job.attemptsMade + 1,
    'spool.queue_wait_ms': Math.max(0, clock.now() - data.enqueuedAtMs),
  };
  return tracer.startActiveSpan(
    'watchdog.invoke',
    { kind: SpanKind.CONSUMER, attributes },
    parent,
    async (span) => {
      try {
        const attempt = await invoke(
          options,
          { job, data: withTraceHeaders(data, trace.setSpan(parent, span)) },
          body,
          signal,
        );
        const { result } = attempt;
        span.setAttribute('http.response.status_code', result.status);
        if (isFailedResult(result))
          span.setStatus({ code: SpanStatusCode.ERROR, message: attemptFailureReason(result) });
        return attempt;
      } finally {
        span.end();
      }
    },
  );
}

/**
 * The request as the user process gets it: its trace headers name the watchdog.invoke span, so the trace continues
 * into user code. The context is passed explicitly, so this holds without a registered context manager.
 */
function withTraceHeaders(data: InvocationJob, spanContext: Context): InvocationJob {
  const carrier: Record<string, string> = {};
  propagation.inject(spanContext, carrier);
  if (Object.keys(carrier).length === 0) return data;
  return { ...data, request: { ...data.request, headers: { ...data.request.headers, ...carrier } } };
}

async function invoke(
  options: InvocationWorkerOptions,
  { job, data }: TakenJob,
  body: Buffer,
  signal: AbortSignal,
): Promise<Attempt> {
  const { runner, clock, metrics } = options;
  const startedAtMs = clock.now();
  metrics.queueWait.observe(Math.max(0, startedAtMs - data.enqueuedAtMs) / 1000);
  metrics.inFlight.inc();
  try {
    const outcome = await runner.run(data, body, signal);
    const result = deliverableResult(
      stampResult(outcome, {
        attempt: job.attemptsMade + 1,
        startedAtMs,
        finishedAtMs: clock.now(),
      }),
    );
    const labels = { code: String(result.status), method: data.request.method };
    metrics.calls.inc(labels);
    metrics.callDuration.observe(labels, (result.finishedAtMs - startedAtMs) / 1000);
    return { result, notRun: outcome.notRun === true };
  } finally {
    metrics.inFlight.dec();
  }
}

/**
 * The reply is published before the job completes: the gateway answers its caller one Redis round trip sooner.
 * It carries a large body's length only (the body is in its own key), so it stays small.
 */
async function deliverReply(options: InvocationWorkerOptions, channel: string, reply: Reply): Promise<void> {
  try {
    await publishReply(options.publisher, channel, reply);
  } catch (error) {
    // The job's return value still holds the result, which the gateway reads when no reply arrives.
    options.logger.error('reply not published', { error });
  }
}

async function onCompleted(
  options: InvocationWorkerOptions,
  job: Job<unknown>,
  result: InvocationResult | null,
): Promise<void> {
  const data = readJob(options.config, job);
  if (!data.ok || result === null) return;
  const { kind, request } = data.value;
  // Its caller has the reply already: a call with a body kept apart is not kept (its gateway deletes the bodies).
  if (kind === 'sync' && (hasStoredBody(request) || hasStoredBody(result)))
    await removeAnswered(options, { job, data: data.value });
  if (kind !== 'async') return;
  await dropRequestBody(options, data.value);
  countAsyncCall(options, data.value, result.status);
  await sendCallback(options, callbackJobFor(data.value, { result }));
}

async function removeAnswered(options: InvocationWorkerOptions, taken: TakenJob): Promise<void> {
  try {
    await taken.job.remove();
  } catch (error) {
    // Kept a while longer: removeOnComplete still bounds it.
    options.logger.error('removing an answered call with a large body', { error });
  }
  await dropRequestBody(options, taken.data);
}

/** A call that has ended needs its request body no more (`/calls` shows only the result); its TTL bounds a miss. */
async function dropRequestBody(options: InvocationWorkerOptions, data: InvocationJob): Promise<void> {
  if (!hasStoredBody(data.request)) return;
  const { ref, jobId } = callOf(options, data);
  await options.publisher.del(requestBodyKey(ref, jobId)).catch((error: unknown) => {
    options.logger.error('deleting the body of an ended call', { callId: data.callId, error });
  });
}

/** An async call's final outcome in OpenFaaS's gateway metrics: status code, and time since it was accepted. */
function countAsyncCall(options: InvocationWorkerOptions, data: InvocationJob, status: number): void {
  const labels = { code: String(status) };
  options.metrics.asyncInvocations.inc(labels);
  options.metrics.asyncDuration.observe(labels, Math.max(0, options.clock.now() - data.enqueuedAtMs) / 1000);
}

async function onFailed(
  options: InvocationWorkerOptions,
  job: Job<unknown> | undefined,
  error: Error,
): Promise<void> {
  // BullMQ emits 'failed' for every failed attempt; `finishedOn` is set only when no retry follows. A job that
  // did not decode has no reply channel or callback URL to trust.
  if (job === undefined) return;
  const read = readJob(options.config, job);
  if (!read.ok) return;
  if (read.value.kind === 'sync') return replyFailed(options, job, read.value, error);
  if (job.finishedOn === undefined) return;
  await dropRequestBody(options, read.value);
  const now = options.clock.now();
  // A failure with no result (refused, stalled too often) is the platform's: 500, as the gateway would answer.
  countAsyncCall(options, read.value, error instanceof FailedAttemptError ? error.result.status : 500);
  const ended =
    error instanceof FailedAttemptError
      ? { result: error.result }
      : {
          failedReason: error.message,
          timing: { attempt: job.attemptsMade, startedAtMs: now, finishedAtMs: now },
        };
  await sendCallback(options, callbackJobFor(read.value, ended));
}

/**
 * A sync job fails without running only when it cannot be run: an unknown job version, or its replicas died
 * more than maxStalledCount times (BullMQ's deferred failure). Its caller is told now, not at the gateway's
 * next look at the job.
 */
async function replyFailed(
  options: InvocationWorkerOptions,
  job: Job<unknown>,
  data: InvocationJob,
  error: Error,
): Promise<void> {
  if (data.replyTo === undefined) return;
  const now = options.clock.now();
  const { result } = placeResult(
    stampResult(platformErrorResult('FUNCTION_UNAVAILABLE', `the call failed: ${error.message}`), {
      attempt: job.attemptsMade,
      startedAtMs: now,
      finishedAtMs: now,
    }),
  );
  await deliverReply(options, data.replyTo, { callId: data.callId, result });
}

async function sendCallback(
  options: InvocationWorkerOptions,
  callback: CallbackJob | undefined,
): Promise<void> {
  if (callback === undefined) return;
  try {
    await options.sendCallback(callback);
  } catch (error) {
    options.logger.error('callback not enqueued', { error });
  }
}
