// Moves callbacks from each function's outbox (a list in its own keyspace) to the shared callback queue that the
// gateways drain, so no function's Redis user needs a right on shared keys (docs/security.md, "Redis isolation").
// The controller's cost is one drain per notice plus one LLEN per function per sweep, which its autoscaler pays
// anyway; the gateways' cost does not grow with the number of functions.
import type { Queue } from 'bullmq';
import { pipelineGroups, type Redis } from '@spool/node';
import {
  CALLBACK_JOB_OPTIONS,
  OUTBOX_BATCH,
  callbackOutboxKey,
  decodeOutboxEntry,
  functionKey,
  type CallbackJob,
  type FunctionRef,
} from '@spool/api';
import type { Log } from './log.js';

export interface OutboxDrain {
  readonly moved: number;
  readonly dropped: number;
}

/**
 * Moves up to OUTBOX_BATCH entries, oldest first. Each is enqueued before it is removed, with the call id as job
 * id: a controller that dies between the two steps enqueues it again on its next drain, and BullMQ keeps one job
 * per id, so a callback is delivered at least once and enqueued once. A bad entry is logged once and removed.
 */
export async function drainCallbackOutbox(
  redis: Redis,
  callbacks: Queue<CallbackJob>,
  ref: FunctionRef,
  log: Log,
): Promise<OutboxDrain> {
  const key = callbackOutboxKey(ref);
  // LPUSH puts the newest at the head, so the oldest are at the tail.
  const entries = await redis.lrange(key, -OUTBOX_BATCH, -1);
  let moved = 0;
  let dropped = 0;
  for (const raw of entries.reverse()) {
    const entry = decodeOutboxEntry(raw, ref);
    if (entry.ok) {
      await callbacks.add('callback', entry.value, { ...CALLBACK_JOB_OPTIONS, jobId: entry.value.callId });
      moved += 1;
    } else {
      log.warn('callback-outbox-entry-dropped', { key: functionKey(ref), reason: entry.error });
      dropped += 1;
    }
    await redis.lrem(key, -1, raw);
  }
  return { moved, dropped };
}

/** Lengths of the outboxes of `refs`, in one pipeline: the sweep that catches notices nobody heard. */
export async function observeOutboxes(redis: Redis, refs: readonly FunctionRef[]): Promise<number[]> {
  const results = await pipelineGroups(
    redis,
    refs.map((ref) => (pipeline) => pipeline.llen(callbackOutboxKey(ref))),
  );
  return refs.map((ref, i) => {
    const [error, value] = results[i] ?? [new Error('no reply'), 0];
    if (error) throw new Error(`reading the callback outbox of ${functionKey(ref)}`, { cause: error });
    return typeof value === 'number' ? value : 0;
  });
}
