// Enqueues calls and awaits their results over connections shared by every function: one command
// connection for all queues, one subscriber for all replies. Nothing here grows with the number of functions.
import { randomUUID } from 'node:crypto';
import { Queue, type Job, type JobsOptions } from 'bullmq';
import type { Redis } from '@spool/node';
import {
  FUNCTION_QUEUE_OPTIONS,
  REPLICA_STATUS_KEY,
  SpoolError,
  asyncInvocationJob,
  callCounterKey,
  callId as makeCallId,
  decodeInvocationResult,
  decodeReplicaStatus,
  decodeReply,
  decodeStoredReplicaStatus,
  defaultGatewayConfig,
  syncInvocationJob,
  asyncRequestBodyTtlMs,
  bodyFields,
  channels,
  functionKey,
  hasStoredBody,
  jobKey,
  jobLockKey,
  queueName,
  requestBodyKey,
  resultBodyKey,
  withdrawnKey,
  checkReplyScope,
  functionReplyChannel,
  gatewayReplyPattern,
  type Decoded,
  type FunctionRef,
  type InvocationJob,
  type InvocationRequest,
  type InvocationResult,
  type ReplicaStatus,
  type ResolvedFunction,
} from '@spool/api';
import { readCheckedBody, storeBody, withDeadline } from '@spool/node';
import {
  MIN_RECHECK_MS,
  answerDeadlineMs,
  decideUnanswered,
  gatewayFailure,
  type CallWait,
  type JobSnapshot,
} from './call-wait.js';
import type { Logger } from '@spool/node';
import { droppedMessages, type DropMessage } from './dropped.js';

export interface InvokerOptions {
  /** Commands and every queue's writes; must not be in subscriber mode. */
  readonly redis: Redis;
  /** The gateway's one subscriber connection. */
  readonly subscriber: Redis;
  readonly gatewayId: string;
  readonly queueWaitMs: number;
  /** How long a call whose replica died is waited for beyond its timeout (call-wait.ts CallWait). */
  readonly recoveryMarginMs?: number;
  /** Longest wait for Redis to accept a call; past it the call is refused (503) and withdrawn. */
  readonly enqueueTimeoutMs: number;
  readonly now: () => number;
  /** Told when a call is enqueued for a function believed to be at zero replicas. */
  readonly onColdStart?: (ref: FunctionRef) => void;
  /**
   * Whether the gateway serves the function of a `namespace/name` key: replica counts are kept only for those, so
   * no message naming other functions grows the gateway's memory (issue 11 item 3). @defaultValue every key
   */
  readonly isServed?: (key: string) => boolean;
  /** Where malformed messages from Redis are reported (rate-limited); they are dropped either way. */
  readonly log?: Logger;
}

/** A call as the route read it: the body as bytes, which the invoker places inline or in its own key. */
export type CallRequest = Omit<InvocationRequest, 'bodyBase64' | 'bodyStoredBytes'> & {
  readonly body: Buffer;
};

/** A sync call's outcome: the result, and its body as bytes (read from its own key when it was kept apart). */
export interface CallAnswer {
  readonly result: InvocationResult;
  readonly body: Buffer;
}

export interface SyncCall {
  readonly callId: string;
  readonly result: Promise<CallAnswer>;
}

/** Wake events for one function are sent at most this often: a burst at zero needs one, not thousands. */
const WAKE_THROTTLE_MS = 100;

/** The sync call's job as stored: how `decideUnanswered` sees it. Never throws. */
async function readJob(queue: Queue, jobId: string, nowMs: number): Promise<JobSnapshot> {
  try {
    const job = await queue.getJob(jobId);
    return job === undefined ? { state: 'missing' } : snapshotOf(job, await job.getState(), nowMs);
  } catch {
    // Redis is unreachable: the decision looks again, up to the call's deadline.
    return { state: 'unreadable' };
  }
}

function snapshotOf(job: Job, state: string, nowMs: number): JobSnapshot {
  if (state === 'completed') {
    // null: the watchdog skipped it (expired). Anything else is bytes from Redis: decoded, never cast.
    if (job.returnvalue === null || job.returnvalue === undefined) return { state: 'skipped' };
    const result = decodeInvocationResult(job.returnvalue);
    return result.ok
      ? { state, result: result.value }
      : { state: 'failed', reason: `its stored result is malformed: ${result.error}` };
  }
  if (state === 'failed') return { state, reason: job.failedReason };
  if (state === 'active') return { state, startedAtMs: job.processedOn ?? nowMs };
  if (state === 'unknown') return { state: 'missing' };
  return { state: 'queued', rerun: job.attemptsStarted > 0 || job.stalledCounter > 0 };
}

export interface Invoker {
  invokeSync(fn: ResolvedFunction, request: CallRequest, trace: Record<string, string>): Promise<SyncCall>;
  enqueueAsync(
    fn: ResolvedFunction,
    request: CallRequest,
    options: { callbackUrl?: string; trace: Record<string, string>; readTokenSha256: string },
  ): Promise<string>;
  queueFor(ref: FunctionRef): Queue;
  /** A call's result body kept apart, checked against the length its result records; rejects when Redis fails. */
  storedResultBody(ref: FunctionRef, jobId: string, expectedBytes: number): Promise<Decoded<Buffer>>;
  /** Redis is lost: answers every sync call waiting on a reply 503 (the subscriber is down) and withdraws it. */
  abandonWaiting(): number;
  /** Redis is back: removes the calls refused or abandoned meanwhile, so none of them runs later. */
  withdrawRefused(): Promise<void>;
  replicasOf(ref: FunctionRef): ReplicaStatus | undefined;
  inFlight(): number;
  start(): Promise<void>;
  close(): Promise<void>;
}

const refOf = (fn: ResolvedFunction): FunctionRef => ({
  namespace: fn.metadata.namespace,
  name: fn.metadata.name,
});

/** Longest wait for one queue to close at shutdown; a dead connection must not hold the process. */
const QUEUE_CLOSE_TIMEOUT_MS = 2_000;
/** Calls kept for withdrawal while Redis is away; past this many the oldest are forgotten (and logged by count). */
const MAX_WITHDRAWALS = 100_000;

/** Overwrites the job's data when the job exists and is not locked by a replica; 1 when it did. */
const SPOIL_WAITING_JOB = `if redis.call('EXISTS', KEYS[1]) == 1 and redis.call('EXISTS', KEYS[2]) == 0 then
  redis.call('HSET', KEYS[1], 'data', ARGV[1])
  return 1
end
return 0`;
/**
 * Finished sync calls a function keeps for /calls, of each outcome. BullMQ trims one sorted set per outcome by the
 * finishing job's age and count, so a sync call trims the function's finished async calls too (to 5 minutes and
 * 1,000; not solved: it needs a set of their own). Async calls keep theirs by age alone: a count would drop a
 * burst's results within seconds (1,000 of 19,000 were left at c64), and their results kept apart are bounded by
 * `spec.async.retainBytes` (node `storeRetainedBody`).
 */
const FINISHED_SYNC_CALLS_KEPT = 1000;
/** A withdrawal mark outlives any job retention: a day. */
const WITHDRAWN_MARK_TTL_MS = 24 * 60 * 60 * 1000;
/** What a withdrawn job's data becomes: JSON that no InvocationJob decoder accepts, saying why. */
const WITHDRAWN_JOB_DATA = JSON.stringify({ withdrawn: 'refused at enqueue (QUEUE_UNAVAILABLE); never run' });

/** ioredis refused the command before sending it (no connection, no offline queue): nothing reached Redis. */
const neverSent = (error: unknown): boolean =>
  error instanceof Error && error.message.includes("Stream isn't writeable");

/** A call to enqueue: its job, and the body to write to `requestBodyKey` first when the job keeps it apart. */
interface Enqueued {
  readonly job: InvocationJob;
  readonly jobId: string;
  readonly body: Buffer;
  /** How long the body key outlives the add when nobody deletes it (the call's answer deadline or retention). */
  readonly bodyTtlMs: number;
}

/** The request as it is stored: a small body inline, a larger one only by its length. */
const placeRequest = ({ body, ...rest }: CallRequest): InvocationRequest => ({
  ...rest,
  ...bodyFields(body),
});

/** The body bytes of a result that carries them inline. */
const inlineBody = (result: InvocationResult): Buffer => Buffer.from(result.bodyBase64, 'base64');

interface Withdrawal {
  readonly ref: FunctionRef;
  /** The add has answered or failed; until then a remove finding nothing does not mean it never lands. */
  settled: boolean;
}

export function createInvoker(options: InvokerOptions): Invoker {
  const { redis, subscriber, gatewayId, queueWaitMs, now } = options;
  const isServed = options.isServed ?? ((): boolean => true);
  const recoveryMarginMs = options.recoveryMarginMs ?? defaultGatewayConfig().recoveryMarginMs;
  const queues = new Map<string, Queue>();
  const replicas = new Map<string, ReplicaStatus>();
  const pending = new Map<
    string,
    {
      ref: FunctionRef;
      jobId: string;
      finish: (result: InvocationResult) => void;
      /** Reads the job now: its replica says it completed, with a result too large to publish. */
      lookNow: () => void;
    }
  >();
  const withdrawals = new Map<string, Withdrawal>();
  const lastWakeMs = new Map<string, number>();
  // One pattern for every function's replies (cost flat in the number of functions); each reply must arrive on
  // the scope of its call's function, which Redis ACL lets only that function's watchdog publish on (issue 11).
  const ownReplies = gatewayReplyPattern(gatewayId);
  const drop: DropMessage = droppedMessages(options.log, now);

  const queueFor = (ref: FunctionRef): Queue => {
    const key = functionKey(ref);
    let queue = queues.get(key);
    if (!queue) {
      queue = new Queue(queueName(ref), { ...FUNCTION_QUEUE_OPTIONS, connection: redis });
      // Emitted when the shared connection closes under it; each command's promise carries its own failure, and
      // an emitter with no listener would throw it out of the process.
      queue.on('error', () => undefined);
      queues.set(key, queue);
    }
    return queue;
  };

  /** Never throws: a reply may have been published by any function's watchdog. */
  const onReply = (pattern: string, channel: string, message: string): void => {
    if (pattern !== ownReplies) return;
    const reply = decodeReply(message);
    // Logged per pattern, not per channel: a function may publish on any number of channels in its own scope.
    if (!reply.ok) return drop(pattern, `${channel}: ${reply.error}`);
    const scope = checkReplyScope(channel, reply.value.callId);
    if (!scope.ok) return drop(pattern, scope.error);
    const waiting = pending.get(reply.value.callId);
    if ('result' in reply.value) waiting?.finish(reply.value.result);
    else waiting?.lookNow();
  };

  /** Never throws: anything on these channels may have been published by any client of the Redis. */
  const onMessage = (channel: string, message: string): void => {
    if (channel === channels.scaled) {
      const status = decodeReplicaStatus(message);
      if (!status.ok) drop(channel, status.error);
      else if (isServed(status.value.key)) replicas.set(status.value.key, status.value);
    }
  };

  /** At zero replicas the autoscaler is woken at once instead of at its next poll (design: wake events). */
  const wakeIfCold = async (ref: FunctionRef): Promise<void> => {
    const key = functionKey(ref);
    if ((replicas.get(key)?.replicas ?? 0) > 0) return;
    const at = now();
    if (at - (lastWakeMs.get(key) ?? -Infinity) < WAKE_THROTTLE_MS) return;
    lastWakeMs.set(key, at);
    options.onColdStart?.(ref);
    await redis.publish(channels.wake, key);
  };

  /**
   * Makes a withdrawn call's job undecodable while no replica holds it, so a watchdog that takes it anyway refuses
   * it unrun. BullMQ's remove goes as EVALSHA, and a script Redis has not cached yet (after a restart) is resent as
   * EVAL only after the NOSCRIPT answer: a replica woken by the add could lock the job first. This EVAL carries
   * its body, so it runs straight after the add it follows on this connection, before any replica's next command
   * (fault suite: Redis SIGSTOP). The remove still cleans the job up.
   */
  const spoil = (ref: FunctionRef, jobId: string): void => {
    void redis
      .eval(SPOIL_WAITING_JOB, 2, jobKey(ref, jobId), jobLockKey(ref, jobId), WITHDRAWN_JOB_DATA)
      .catch(() => undefined);
    // Redis serves other clients between 16 KB reads of this connection's backlog, so a replica may still lock the
    // job before the EVAL runs; it then finds this mark (watchdog worker.ts isWithdrawn) and does not run it.
    void redis.set(withdrawnKey(ref, jobId), '1', 'PX', WITHDRAWN_MARK_TTL_MS).catch(() => undefined);
  };

  /** Removes one withdrawn call; kept for the next try while Redis does not answer. */
  const tryWithdraw = async (jobId: string): Promise<void> => {
    const entry = withdrawals.get(jobId);
    if (!entry) return;
    // 0: not there (yet, or never) or taken by a replica; only an answer after the add settled is final.
    const removed = await queueFor(entry.ref)
      .remove(jobId)
      .catch(() => undefined);
    if (removed === 1 || (removed === 0 && entry.settled)) withdrawals.delete(jobId);
  };

  const withdraw = (ref: FunctionRef, jobId: string, settled: boolean): void => {
    if (withdrawals.size >= MAX_WITHDRAWALS) {
      const oldest = withdrawals.keys().next().value;
      if (oldest !== undefined) withdrawals.delete(oldest);
    }
    if (!withdrawals.has(jobId)) spoil(ref, jobId);
    const entry = withdrawals.get(jobId) ?? { ref, settled };
    entry.settled ||= settled;
    withdrawals.set(jobId, entry);
    void tryWithdraw(jobId);
  };

  /** Written before the add, so no replica ever takes a job whose body is not there yet. */
  const storeRequestBody = async (ref: FunctionRef, call: Enqueued): Promise<void> => {
    const stored = storeBody(redis, requestBodyKey(ref, call.jobId), call.body, call.bodyTtlMs);
    try {
      await withDeadline(
        stored,
        options.enqueueTimeoutMs,
        `storing the body of a call for ${functionKey(ref)}`,
      );
    } catch (cause) {
      // The job is never added; a body that lands late expires with its TTL.
      throw new SpoolError(
        'QUEUE_UNAVAILABLE',
        `could not store the body of a call for ${functionKey(ref)} within ${options.enqueueTimeoutMs} ms`,
        { cause },
      );
    }
  };

  const enqueue = async (fn: ResolvedFunction, call: Enqueued, opts: JobsOptions): Promise<void> => {
    const ref = refOf(fn);
    const { job, jobId } = call;
    if (hasStoredBody(job.request)) await storeRequestBody(ref, call);
    // The autoscaler's activity signal (callCounterKey). Sent just before the add on the same connection and not
    // awaited: both travel in one round trip, and the counter never moves later than the job appears.
    void redis.incr(callCounterKey(ref)).catch(() => undefined);
    const added = queueFor(ref).add('invoke', job, { ...opts, jobId });
    try {
      await withDeadline(added, options.enqueueTimeoutMs, `enqueueing ${functionKey(ref)}`);
    } catch (cause) {
      // The caller is told 503, so the call must never run. A remove sent now is queued behind the add on the same
      // connection, which Redis runs in order, before any replica can take the job; retried once the add settles
      // and whenever Redis comes back (withdrawRefused). A refused call's body goes too (or expires with its TTL).
      if (hasStoredBody(job.request)) void redis.del(requestBodyKey(ref, jobId)).catch(() => undefined);
      if (!neverSent(cause)) {
        withdraw(ref, jobId, false);
        void added.then(
          () => withdraw(ref, jobId, true),
          () => withdraw(ref, jobId, true),
        );
      }
      throw new SpoolError(
        'QUEUE_UNAVAILABLE',
        `could not enqueue a call for ${functionKey(ref)} within ${options.enqueueTimeoutMs} ms`,
        { cause },
      );
    }
    await wakeIfCold(ref).catch(() => undefined);
  };

  /**
   * The answer's body: inline, or read from the call's own result key (derived from the call this gateway
   * enqueued, never from the reply) and checked against its recorded length. Then both body keys of the call go:
   * a sync call is not kept once answered. Never throws.
   */
  const answerOf = async (
    ref: FunctionRef,
    call: { readonly jobId: string; readonly request: InvocationRequest },
    result: InvocationResult,
  ): Promise<CallAnswer> => {
    const keys = [
      ...(hasStoredBody(call.request) ? [requestBodyKey(ref, call.jobId)] : []),
      ...(hasStoredBody(result) ? [resultBodyKey(ref, call.jobId)] : []),
    ];
    const answer = await readResultBody(ref, call.jobId, result);
    // One DEL for both: they share the call's hash tag, so one Redis Cluster slot.
    if (keys.length > 0) void redis.del(...keys).catch(() => undefined);
    return answer;
  };

  const storedResultBody = async (
    ref: FunctionRef,
    jobId: string,
    expectedBytes: number,
  ): Promise<Decoded<Buffer>> =>
    readCheckedBody(
      redis,
      resultBodyKey(ref, jobId),
      expectedBytes,
      `the result body of call ${makeCallId(ref, jobId)}`,
    );

  const readResultBody = async (
    ref: FunctionRef,
    jobId: string,
    result: InvocationResult,
  ): Promise<CallAnswer> => {
    const expected = result.bodyStoredBytes;
    if (expected === undefined) return { result, body: inlineBody(result) };
    const failed = (code: 'PAYLOAD_LOST' | 'QUEUE_UNAVAILABLE', message: string): CallAnswer => {
      const failure = gatewayFailure(code, message, now());
      return { result: failure, body: inlineBody(failure) };
    };
    try {
      const body = await withDeadline(
        storedResultBody(ref, jobId, expected),
        options.enqueueTimeoutMs,
        'reading a result body',
      );
      return body.ok ? { result, body: body.value } : failed('PAYLOAD_LOST', body.error);
    } catch (cause) {
      return failed('QUEUE_UNAVAILABLE', `reading the result body: ${String(cause)}`);
    }
  };

  /**
   * Waits for the reply; the first answer wins and a later one (a re-run whose lost lock let another replica run
   * it too) is dropped, since `pending` no longer holds the call. With no reply, looks at the job at the end of
   * the queue wait and as `decideUnanswered` says: a call whose replica died is waited for while a live one
   * re-runs it (docs/reliability.md).
   */
  const awaitReply = (
    fn: ResolvedFunction,
    callId: string,
    call: { readonly jobId: string; readonly request: InvocationRequest },
    enqueuedAtMs: number,
  ): Promise<CallAnswer> =>
    new Promise((resolve) => {
      const { jobId } = call;
      const wait: CallWait = {
        enqueuedAtMs,
        queueWaitMs,
        timeoutMs: fn.spec.timeoutSeconds * 1000,
        recoveryMarginMs,
      };
      let timer: ReturnType<typeof setTimeout> | undefined;
      let answered = false;
      const finish = (result: InvocationResult): void => {
        if (answered) return;
        answered = true;
        clearTimeout(timer);
        pending.delete(callId);
        resolve(answerOf(refOf(fn), call, result));
      };
      const look = async (): Promise<void> => {
        const queue = queueFor(refOf(fn));
        const decision = decideUnanswered(await readJob(queue, jobId, now()), wait, now());
        if (answered) return;
        if (decision.kind === 'answer') {
          finish(decision.result);
          // A result whose body is kept apart is read once (here, from its job); then the job is not kept.
          if (hasStoredBody(decision.result) || hasStoredBody(call.request))
            void queue.remove(jobId).catch(() => undefined);
          return;
        }
        if (decision.kind === 'give-up')
          return finish(gatewayFailure('CALL_TIMEOUT', decision.message, now()));
        if (decision.kind === 'recheck') return lookAt(decision.atMs);
        // A replica may take it between the read and the remove; the remove then finds it locked and returns 0.
        if ((await queue.remove(jobId).catch(() => 0)) === 1)
          finish(gatewayFailure(decision.code, decision.message, now()));
        else lookAt(now() + MIN_RECHECK_MS);
      };
      const lookAt = (atMs: number): void => {
        if (answered) return;
        clearTimeout(timer);
        timer = setTimeout(() => void look(), Math.max(0, atMs - now()));
      };
      pending.set(callId, { ref: refOf(fn), jobId, finish, lookNow: () => lookAt(now()) });
      lookAt(enqueuedAtMs + queueWaitMs);
    });

  return {
    async invokeSync(fn, call, trace) {
      const jobId = randomUUID();
      const callId = makeCallId(refOf(fn), jobId);
      const enqueuedAtMs = now();
      const request = placeRequest(call);
      const job = syncInvocationJob({
        callId,
        request,
        replyTo: functionReplyChannel(refOf(fn), gatewayId),
        trace,
        enqueuedAtMs,
        expiresAtMs: enqueuedAtMs + queueWaitMs,
        enqueueDeadlineMs: enqueuedAtMs + options.enqueueTimeoutMs,
      });
      const result = awaitReply(fn, callId, { jobId, request }, enqueuedAtMs);
      // Past its answer deadline no gateway waits for the call: its body is not needed after that.
      const bodyTtlMs =
        answerDeadlineMs({
          enqueuedAtMs: 0,
          queueWaitMs,
          timeoutMs: fn.spec.timeoutSeconds * 1000,
          recoveryMarginMs,
        }) + MIN_RECHECK_MS;
      try {
        // Sync calls are not retried (the caller sees the outcome), but keep a short history for /calls.
        await enqueue(
          fn,
          { job, jobId, body: call.body, bodyTtlMs },
          {
            attempts: 1,
            removeOnComplete: { age: 300, count: FINISHED_SYNC_CALLS_KEPT },
            removeOnFail: { age: 300, count: FINISHED_SYNC_CALLS_KEPT },
          },
        );
      } catch (error) {
        // Clears this call's timers too: a refused call leaves nothing behind.
        pending.get(callId)?.finish(gatewayFailure('QUEUE_UNAVAILABLE', 'not enqueued', now()));
        throw error;
      }
      return { callId, result };
    },

    async enqueueAsync(fn, call, { callbackUrl, trace, readTokenSha256 }) {
      const jobId = randomUUID();
      const enqueuedAtMs = now();
      const callId = makeCallId(refOf(fn), jobId);
      const job = asyncInvocationJob({
        callId,
        request: placeRequest(call),
        ...(callbackUrl !== undefined ? { callbackUrl } : {}),
        trace,
        enqueuedAtMs,
        enqueueDeadlineMs: enqueuedAtMs + options.enqueueTimeoutMs,
        readTokenSha256,
      });
      const { maxAttempts, backoffSeconds, retainSeconds } = fn.spec.async;
      const bodyTtlMs = asyncRequestBodyTtlMs(retainSeconds);
      await enqueue(
        fn,
        { job, jobId, body: call.body, bodyTtlMs },
        {
          attempts: maxAttempts,
          backoff: { type: 'exponential', delay: backoffSeconds * 1000 },
          removeOnComplete: { age: retainSeconds },
          removeOnFail: { age: retainSeconds },
          // One stack per failed attempt, read back by /calls/ID as each attempt's reason; never more than that.
          stackTraceLimit: maxAttempts,
        },
      );
      return callId;
    },

    queueFor,
    storedResultBody,

    abandonWaiting() {
      const waiting = [...pending.values()];
      for (const { ref, jobId, finish } of waiting) {
        finish(
          gatewayFailure(
            'QUEUE_UNAVAILABLE',
            'Redis became unreachable while the call waited; its reply cannot arrive. It is withdrawn if no replica has taken it',
            now(),
          ),
        );
        withdraw(ref, jobId, true);
      }
      return waiting.length;
    },

    async withdrawRefused() {
      await Promise.all([...withdrawals.keys()].map((jobId) => tryWithdraw(jobId)));
    },

    replicasOf: (ref) => replicas.get(functionKey(ref)),
    inFlight: () => pending.size,

    async start() {
      subscriber.on('message', onMessage);
      subscriber.on('pmessage', onReply);
      await subscriber.subscribe(channels.scaled);
      await subscriber.psubscribe(ownReplies);
      for (const [field, json] of Object.entries(await redis.hgetall(REPLICA_STATUS_KEY))) {
        const status = decodeStoredReplicaStatus(field, json);
        if (!status.ok) drop(REPLICA_STATUS_KEY, `${field}: ${status.error}`);
        else if (isServed(status.value.key)) replicas.set(status.value.key, status.value);
      }
    },

    async close() {
      subscriber.off('message', onMessage);
      subscriber.off('pmessage', onReply);
      await Promise.all(
        [...queues.values()].map((q) =>
          withDeadline(q.close(), QUEUE_CLOSE_TIMEOUT_MS, 'closing a queue').catch(() => undefined),
        ),
      );
      queues.clear();
    },
  };
}
