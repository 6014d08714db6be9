// The two ways a result leaves the watchdog besides the job's return value: a reply publish and a callback job.
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { CallbackJob, Reply } from '@spool/api';

/** Publishes on the waiting gateway's reply channel; the job's return value stays the record if this is missed. */
export async function publishReply(publisher: Redis, channel: string, reply: Reply): Promise<void> {
  try {
    await publisher.publish(channel, JSON.stringify(reply satisfies Reply));
  } catch (cause) {
    throw new Error(`publishing the reply for ${reply.callId} on ${channel}`, { cause });
  }
}

/**
 * Deliveries get 5 attempts from 1 s doubling (1+2+4+8 s ≈ 15 s of retries), matching the gateway's default
 * SPOOL_CALLBACK_MAX_ATTEMPTS. The job id is the call id, so a repeated end event enqueues one delivery.
 */
export const CALLBACK_JOB_OPTIONS = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: 3600 },
  removeOnFail: { age: 7 * 24 * 3600 },
} as const;

export async function enqueueCallback(queue: Queue<CallbackJob>, callback: CallbackJob): Promise<void> {
  try {
    await queue.add('callback', callback, { ...CALLBACK_JOB_OPTIONS, jobId: callback.callId });
  } catch (cause) {
    throw new Error(`enqueueing the callback for ${callback.callId}`, { cause });
  }
}
