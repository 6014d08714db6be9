// The callback outbox (docs/security.md, "Redis isolation"): a watchdog pushes the callback of an ended async call
// into a list in its own keyspace, and the controller moves it to the shared callback queue. Entries are written
// with the function's credentials, so they are decoded here as untrusted input before they reach the queue.
import { MAX_CALLBACK_ATTEMPTS } from './config.js';
import { decodeJson, refused, type Decoded } from './decode.js';
import type { CallbackJob } from './job.js';
import type { FunctionRef } from './names.js';
import { decodeCallbackJob } from './protocol/callback.js';
import { MAX_CALL_MESSAGE_BYTES } from './protocol/fields.js';
import { parseCallId } from './queue-names.js';

/**
 * Deliveries are retried from 1 s doubling (the default 5 attempts: 1+2+4+8 s ≈ 15 s of retries). How many is
 * the delivering gateway's SPOOL_CALLBACK_MAX_ATTEMPTS: BullMQ is asked for the most it may be, and the gateway
 * stops at its own number. The job id is the call id, so a repeated move enqueues one delivery.
 */
export const CALLBACK_JOB_OPTIONS = {
  attempts: MAX_CALLBACK_ATTEMPTS,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: 3600 },
  removeOnFail: { age: 7 * 24 * 3600 },
} as const;

/** An outbox holds at most this many entries per move: bounds one drain's work and memory. */
export const OUTBOX_BATCH = 100;

const sameFunction = (a: FunctionRef, b: FunctionRef): boolean =>
  a.namespace === b.namespace && a.name === b.name;

/**
 * Decodes one outbox entry of `owner`: a JSON `CallbackJob` whose call id names `owner`, so a function can
 * enqueue callbacks only for its own calls. Its `callbackUrl` is still the function's word (it can rewrite its own
 * job hashes): the gateway's destination policy, not this decoder, decides where a callback may go.
 */
export function decodeOutboxEntry(raw: string, owner: FunctionRef): Decoded<CallbackJob> {
  const entry = decodeJson(raw, decodeCallbackJob, MAX_CALL_MESSAGE_BYTES);
  if (!entry.ok) return entry;
  const call = parseCallId(entry.value.callId);
  return call !== undefined && sameFunction(call.ref, owner)
    ? entry
    : refused(
        `outbox of ${owner.namespace}/${owner.name} holds a call of another function: "${entry.value.callId}"`,
      );
}
