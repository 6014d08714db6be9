// Enqueues calls and awaits their results over connections shared by every function: one command
// connection for all queues, one subscriber for all replies. Nothing here grows with the number of functions.
import { randomUUID } from 'node:crypto';
import { Queue, type Job, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  KEY_PREFIX,
  REPLICA_STATUS_KEY,
  SpoolError,
  asyncInvocationJob,
  callId as makeCallId,
  decodeInvocationResult,
  decodeReplicaStatus,
  decodeReply,
  decodeStoredReplicaStatus,
  platformFailure,
  syncInvocationJob,
  type ErrorCode,
  channels,
  functionKey,
  queueName,
  replyChannel,
  type FunctionRef,
  type InvocationJob,
  type InvocationRequest,
  type InvocationResult,
  type ReplicaStatus,
  type ResolvedFunction,
} from '@spool/api';
import { droppedMessages, type DropMessage, type LineLog } from './dropped.js';

export interface InvokerOptions {
  /** Commands and every queue's writes; must not be in subscriber mode. */
  readonly redis: Redis;
  /** The gateway's one subscriber connection. */
  readonly subscriber: Redis;
  readonly gatewayId: string;
  readonly queueWaitMs: number;
  readonly now: () => number;
  /** Told when a call is enqueued for a function believed to be at zero replicas. */
  readonly onColdStart?: (ref: FunctionRef) => void;
  /** Where malformed messages from Redis are reported (rate-limited); they are dropped either way. */
  readonly log?: LineLog;
}

export interface SyncCall {
  readonly callId: string;
  readonly result: Promise<InvocationResult>;
}

/** Wake events for one function are sent at most this often: a burst at zero needs one, not thousands. */
const WAKE_THROTTLE_MS = 100;
/** Past queue wait plus the function timeout, a reply has been lost (its watchdog died); stop waiting. */
const LOST_REPLY_MARGIN_MS = 30_000;

/** A result the gateway itself decided (the call was withdrawn, lost or failed without a reply). */
const gatewayFailure = (code: ErrorCode, message: string, atMs: number): InvocationResult => ({
  ...platformFailure(code, message),
  startedAtMs: atMs,
  finishedAtMs: atMs,
  attempt: 0,
});

/** A finished job's outcome: its stored result if it decodes, else a failure saying why there is none. */
function storedOutcome(job: Job, state: 'completed' | 'failed', nowMs: number): InvocationResult {
  if (state === 'failed')
    return gatewayFailure('FUNCTION_UNAVAILABLE', `the call failed: ${job.failedReason}`, nowMs);
  const result = decodeInvocationResult(job.returnvalue);
  return result.ok
    ? result.value
    : gatewayFailure('FUNCTION_UNAVAILABLE', `the call's stored result is malformed: ${result.error}`, nowMs);
}

/**
 * At the end of a sync call's queue wait: withdraw it if no replica has taken it; answer from the stored job if
 * it ended but its reply never arrived (published while this gateway was reconnecting); else keep waiting.
 */
async function settleUnanswered(
  queue: Queue,
  jobId: string,
  answer: (result: InvocationResult) => void,
): Promise<'withdrawn' | 'answered' | 'running'> {
  const job = await queue.getJob(jobId).catch(() => undefined);
  const state = job ? await job.getState() : 'unknown';
  if (state === 'active') return 'running';
  if (job && (state === 'completed' || state === 'failed')) {
    answer(storedOutcome(job, state, Date.now()));
    return 'answered';
  }
  // A replica may take it between the read and the remove; the remove then finds it locked and returns 0.
  return (await queue.remove(jobId).catch(() => 0)) === 1 ? 'withdrawn' : 'running';
}

export interface Invoker {
  invokeSync(
    fn: ResolvedFunction,
    request: InvocationRequest,
    trace: Record<string, string>,
  ): Promise<SyncCall>;
  enqueueAsync(
    fn: ResolvedFunction,
    request: InvocationRequest,
    options: { callbackUrl?: string; trace: Record<string, string> },
  ): Promise<string>;
  queueFor(ref: FunctionRef): Queue;
  replicasOf(ref: FunctionRef): ReplicaStatus | undefined;
  inFlight(): number;
  start(): Promise<void>;
  close(): Promise<void>;
}

const refOf = (fn: ResolvedFunction): FunctionRef => ({
  namespace: fn.metadata.namespace,
  name: fn.metadata.name,
});

export function createInvoker(options: InvokerOptions): Invoker {
  const { redis, subscriber, gatewayId, queueWaitMs, now } = options;
  const queues = new Map<string, Queue>();
  const replicas = new Map<string, ReplicaStatus>();
  const pending = new Map<string, (result: InvocationResult) => void>();
  const lastWakeMs = new Map<string, number>();
  const ownReplies = replyChannel(gatewayId);
  const drop: DropMessage = droppedMessages(options.log ?? (() => undefined), now);

  const queueFor = (ref: FunctionRef): Queue => {
    const key = functionKey(ref);
    let queue = queues.get(key);
    if (!queue) {
      queue = new Queue(queueName(ref), { connection: redis, prefix: KEY_PREFIX });
      queues.set(key, queue);
    }
    return queue;
  };

  /** Never throws: anything on these channels may have been published by any client of the Redis. */
  const onMessage = (channel: string, message: string): void => {
    if (channel === ownReplies) {
      const reply = decodeReply(message);
      if (reply.ok) pending.get(reply.value.callId)?.(reply.value.result);
      else drop(channel, reply.error);
    } else if (channel === channels.scaled) {
      const status = decodeReplicaStatus(message);
      if (status.ok) replicas.set(status.value.key, status.value);
      else drop(channel, status.error);
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

  const enqueue = async (
    fn: ResolvedFunction,
    job: InvocationJob,
    jobId: string,
    opts: JobsOptions,
  ): Promise<void> => {
    const ref = refOf(fn);
    try {
      await queueFor(ref).add('invoke', job, { ...opts, jobId });
    } catch (cause) {
      throw new SpoolError('QUEUE_UNAVAILABLE', `could not enqueue a call for ${functionKey(ref)}`, {
        cause,
      });
    }
    await wakeIfCold(ref);
  };

  /** Withdraws a sync call nobody picked up in time; if a replica already holds it, waits on. */
  const awaitReply = (fn: ResolvedFunction, callId: string, jobId: string): Promise<InvocationResult> =>
    new Promise((resolve) => {
      const timeoutMs = fn.spec.timeoutSeconds * 1000;
      const finish = (result: InvocationResult): void => {
        clearTimeout(queueTimer);
        clearTimeout(lostTimer);
        pending.delete(callId);
        resolve(result);
      };
      const giveUp = (code: 'QUEUE_TIMEOUT' | 'CALL_TIMEOUT', message: string): void =>
        finish(gatewayFailure(code, message, now()));
      pending.set(callId, finish);
      const queueTimer = setTimeout(() => {
        void settleUnanswered(queueFor(refOf(fn)), jobId, finish).then((outcome) => {
          if (outcome === 'withdrawn')
            giveUp('QUEUE_TIMEOUT', `no replica took the call within ${queueWaitMs} ms`);
        });
      }, queueWaitMs);
      const lostTimer = setTimeout(
        () =>
          giveUp(
            'CALL_TIMEOUT',
            `no result within ${queueWaitMs + timeoutMs} ms; the replica running it was lost`,
          ),
        queueWaitMs + timeoutMs + LOST_REPLY_MARGIN_MS,
      );
    });

  return {
    async invokeSync(fn, request, trace) {
      const jobId = randomUUID();
      const callId = makeCallId(refOf(fn), jobId);
      const enqueuedAtMs = now();
      const job = syncInvocationJob({
        callId,
        request,
        replyTo: ownReplies,
        trace,
        enqueuedAtMs,
        expiresAtMs: enqueuedAtMs + queueWaitMs,
      });
      const result = awaitReply(fn, callId, jobId);
      try {
        // Sync calls are not retried (the caller sees the outcome), but keep a short history for /calls.
        await enqueue(fn, job, jobId, {
          attempts: 1,
          removeOnComplete: { age: 300, count: 1000 },
          removeOnFail: { age: 300, count: 1000 },
        });
      } catch (error) {
        pending.delete(callId);
        throw error;
      }
      return { callId, result };
    },

    async enqueueAsync(fn, request, { callbackUrl, trace }) {
      const jobId = randomUUID();
      const callId = makeCallId(refOf(fn), jobId);
      const job = asyncInvocationJob({
        callId,
        request,
        ...(callbackUrl !== undefined ? { callbackUrl } : {}),
        trace,
        enqueuedAtMs: now(),
      });
      const { maxAttempts, backoffSeconds, retainSeconds } = fn.spec.async;
      await enqueue(fn, job, jobId, {
        attempts: maxAttempts,
        backoff: { type: 'exponential', delay: backoffSeconds * 1000 },
        removeOnComplete: { age: retainSeconds },
        removeOnFail: { age: retainSeconds },
      });
      return callId;
    },

    queueFor,
    replicasOf: (ref) => replicas.get(functionKey(ref)),
    inFlight: () => pending.size,

    async start() {
      subscriber.on('message', onMessage);
      await subscriber.subscribe(ownReplies, channels.scaled);
      for (const [field, json] of Object.entries(await redis.hgetall(REPLICA_STATUS_KEY))) {
        const status = decodeStoredReplicaStatus(field, json);
        if (status.ok) replicas.set(status.value.key, status.value);
        else drop(REPLICA_STATUS_KEY, `${field}: ${status.error}`);
      }
    },

    async close() {
      subscriber.off('message', onMessage);
      await Promise.all([...queues.values()].map((q) => q.close()));
      queues.clear();
    },
  };
}
