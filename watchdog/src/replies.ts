// The two ways a result leaves the watchdog besides the job's return value: a reply publish and a callback job.
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { MAX_CALLBACK_ATTEMPTS, encodeReply, type CallbackJob, type Reply } from '@spool/api';

/** Publishes on the waiting gateway's reply channel; the job's return value stays the record if this is missed. */
export async function publishReply(publisher: Redis, channel: string, reply: Reply): Promise<void> {
  try {
    await publisher.publish(channel, encodeReply(reply));
  } catch (cause) {
    throw new Error(`publishing the reply for ${reply.callId} on ${channel}`, { cause });
  }
}

/**
 * Deliveries are retried from 1 s doubling (the default 5 attempts: 1+2+4+8 s ≈ 15 s of retries). How many is
 * the delivering gateway's SPOOL_CALLBACK_MAX_ATTEMPTS: BullMQ is asked for the most it may be, and the gateway
 * stops at its own number. The job id is the call id, so a repeated end event enqueues one delivery.
 */
export const CALLBACK_JOB_OPTIONS = {
  attempts: MAX_CALLBACK_ATTEMPTS,
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
