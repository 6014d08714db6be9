// Enqueues calls and awaits their results over connections shared by every function: one command
// connection for all queues, one subscriber for all replies. Nothing here grows with the number of functions.
import { randomUUID } from 'node:crypto';
import { Queue, type Job, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  JOB_VERSION,
  KEY_PREFIX,
  REPLICA_STATUS_KEY,
  SpoolError,
  callId as makeCallId,
  defaultGatewayConfig,
  channels,
  functionKey,
  queueName,
  replyChannel,
  type FunctionRef,
  type InvocationJob,
  type InvocationRequest,
  type InvocationResult,
  type ReplicaStatus,
  type Reply,
  type ResolvedFunction,
} from '@spool/api';
import {
  MIN_RECHECK_MS,
  decideUnanswered,
  gatewayFailure,
  type CallWait,
  type JobSnapshot,
} from './call-wait.js';

export interface InvokerOptions {
  /** Commands and every queue's writes; must not be in subscriber mode. */
  readonly redis: Redis;
  /** The gateway's one subscriber connection. */
  readonly subscriber: Redis;
  readonly gatewayId: string;
  readonly queueWaitMs: number;
  /** How long a call whose replica died is waited for beyond its timeout (call-wait.ts CallWait). */
  readonly recoveryMarginMs?: number;
  readonly now: () => number;
  /** Told when a call is enqueued for a function believed to be at zero replicas. */
  readonly onColdStart?: (ref: FunctionRef) => void;
}

export interface SyncCall {
  readonly callId: string;
  readonly result: Promise<InvocationResult>;
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
    const result = job.returnvalue as InvocationResult | null | undefined;
    return result === null || result === undefined ? { state: 'skipped' } : { state, result };
  }
  if (state === 'failed') return { state, reason: job.failedReason };
  if (state === 'active') return { state, startedAtMs: job.processedOn ?? nowMs };
  if (state === 'unknown') return { state: 'missing' };
  return { state: 'queued', rerun: job.attemptsStarted > 0 || job.stalledCounter > 0 };
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
  const recoveryMarginMs = options.recoveryMarginMs ?? defaultGatewayConfig().recoveryMarginMs;
  const queues = new Map<string, Queue>();
  const replicas = new Map<string, ReplicaStatus>();
  const pending = new Map<string, (result: InvocationResult) => void>();
  const lastWakeMs = new Map<string, number>();
  const ownReplies = replyChannel(gatewayId);

  const queueFor = (ref: FunctionRef): Queue => {
    const key = functionKey(ref);
    let queue = queues.get(key);
    if (!queue) {
      queue = new Queue(queueName(ref), { connection: redis, prefix: KEY_PREFIX });
      queues.set(key, queue);
    }
    return queue;
  };

  const onMessage = (channel: string, message: string): void => {
    if (channel === ownReplies) {
      const reply = JSON.parse(message) as Reply;
      pending.get(reply.callId)?.(reply.result);
    } else if (channel === channels.scaled) {
      const status = JSON.parse(message) as ReplicaStatus;
      replicas.set(status.key, status);
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

  /**
   * Waits for the reply; the first answer wins and a later one (a re-run whose lost lock let another replica run
   * it too) is dropped, since `pending` no longer holds the call. With no reply, looks at the job at the end of
   * the queue wait and as `decideUnanswered` says: a call whose replica died is waited for while a live one
   * re-runs it (docs/reliability.md).
   */
  const awaitReply = (
    fn: ResolvedFunction,
    callId: string,
    jobId: string,
    enqueuedAtMs: number,
  ): Promise<InvocationResult> =>
    new Promise((resolve) => {
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
        resolve(result);
      };
      const look = async (): Promise<void> => {
        const queue = queueFor(refOf(fn));
        const decision = decideUnanswered(await readJob(queue, jobId, now()), wait, now());
        if (answered) return;
        if (decision.kind === 'answer') return finish(decision.result);
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
        timer = setTimeout(() => void look(), Math.max(0, atMs - now()));
      };
      pending.set(callId, finish);
      lookAt(enqueuedAtMs + queueWaitMs);
    });

  return {
    async invokeSync(fn, request, trace) {
      const jobId = randomUUID();
      const callId = makeCallId(refOf(fn), jobId);
      const enqueuedAtMs = now();
      const job: InvocationJob = {
        version: JOB_VERSION,
        callId,
        kind: 'sync',
        request,
        replyTo: ownReplies,
        trace,
        enqueuedAtMs,
        expiresAtMs: enqueuedAtMs + queueWaitMs,
      };
      const result = awaitReply(fn, callId, jobId, enqueuedAtMs);
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
      const job: InvocationJob = {
        version: JOB_VERSION,
        callId,
        kind: 'async',
        request,
        ...(callbackUrl !== undefined ? { callbackUrl } : {}),
        trace,
        enqueuedAtMs: now(),
      };
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
      for (const json of Object.values(await redis.hgetall(REPLICA_STATUS_KEY))) {
        const status = JSON.parse(json) as ReplicaStatus;
        replicas.set(status.key, status);
      }
    },

    async close() {
      subscriber.off('message', onMessage);
      await Promise.all([...queues.values()].map((q) => q.close()));
      queues.clear();
    },
  };
}
