// The two ways a result leaves the watchdog besides the job's return value: a reply publish and a callback outbox entry.
import type { Redis } from '@spool/node';
import {
  CALLBACK_JOB_OPTIONS,
  callbackOutboxChannel,
  callbackOutboxKey,
  encodeReply,
  type CallbackJob,
  type FunctionRef,
  type Reply,
} from '@spool/api';

export { CALLBACK_JOB_OPTIONS };

/** Publishes on the waiting gateway's reply channel; the job's return value stays the record if this is missed. */
export async function publishReply(publisher: Redis, channel: string, reply: Reply): Promise<void> {
  try {
    await publisher.publish(channel, encodeReply(reply));
  } catch (cause) {
    throw new Error(`publishing the reply for ${reply.callId} on ${channel}`, { cause });
  }
}

/**
 * The callback of an ended async call, written into the function's own keyspace (its Redis user has no right on
 * the shared callback queue), then a notice so the controller moves it now; a lost notice waits for its sweep.
 * docs/security.md, "Redis isolation".
 */
export async function pushCallbackToOutbox(
  publisher: Redis,
  ref: FunctionRef,
  callback: CallbackJob,
): Promise<void> {
  try {
    await publisher.lpush(callbackOutboxKey(ref), JSON.stringify(callback satisfies CallbackJob));
    await publisher.publish(callbackOutboxChannel(ref), callback.callId);
  } catch (cause) {
    throw new Error(`pushing the callback for ${callback.callId} to the outbox`, { cause });
  }
}
