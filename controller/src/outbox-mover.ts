// Moves each function's callback outbox to the shared callback queue (docs/security.md, "Redis isolation"): at
// once on a watchdog's notice (PSUBSCRIBE spool:outbox:*), and on a sweep that catches notices nobody heard (a
// controller that was starting, or restarting). Only the acting controller moves; functions it does not serve are
// ignored, so no notice creates state for an unknown name.
import { Queue } from 'bullmq';
import type { Redis } from '@spool/node';
import {
  CALLBACK_OUTBOX_PATTERN,
  CALLBACK_QUEUE,
  KEY_PREFIX,
  functionKey,
  parseCallbackOutboxChannel,
  type CallbackJob,
  dropLog,
  type FunctionRef,
} from '@spool/api';
import { drainCallbackOutbox, observeOutboxes } from './callback-outbox.js';
import type { Clock, Timer } from './clock.js';
import { errorMessage, type Log } from './log.js';

export interface OutboxMoverOptions {
  readonly redis: Redis;
  /** Already used for other channels: the mover adds one pattern and its own listener. */
  readonly subscriber: Redis;
  /** The functions served now (the source's keys). */
  readonly functions: () => readonly FunctionRef[];
  readonly clock: Clock;
  readonly log: Log;
  /** @defaultValue 2000 */
  readonly sweepIntervalMs?: number;
}

export interface OutboxMover {
  start(): Promise<void>;
  close(): Promise<void>;
}

export function createOutboxMover(o: OutboxMoverOptions): OutboxMover {
  const callbacks = new Queue<CallbackJob>(CALLBACK_QUEUE, { connection: o.redis, prefix: KEY_PREFIX });
  const drops = dropLog();
  /** One drain per function at a time; a notice during one drains again after it. */
  const draining = new Map<string, boolean>();
  let timer: Timer | undefined;
  let closed = false;

  const served = (ref: FunctionRef): boolean =>
    o.functions().some((f) => functionKey(f) === functionKey(ref));

  const drain = async (ref: FunctionRef): Promise<void> => {
    const key = functionKey(ref);
    if (draining.has(key)) {
      draining.set(key, true);
      return;
    }
    draining.set(key, false);
    try {
      for (let again = true; again && !closed; again = draining.get(key) === true) {
        draining.set(key, false);
        const { dropped } = await drainCallbackOutbox(o.redis, callbacks, ref, o.log);
        if (dropped > 0 && drops.drop(key, o.clock.now()) !== undefined)
          o.log.warn('callback-outbox-dropped', { key, dropped });
      }
    } catch (error) {
      o.log.warn('callback-outbox-move-failed', { key, error: errorMessage(error) });
    } finally {
      draining.delete(key);
    }
  };

  /** Never throws: anyone allowed to publish on the pattern may send anything. */
  const onNotice = (pattern: string, channel: string): void => {
    if (pattern !== CALLBACK_OUTBOX_PATTERN) return;
    const ref = parseCallbackOutboxChannel(channel);
    if (ref.ok && served(ref.value)) void drain(ref.value);
  };

  const sweep = async (): Promise<void> => {
    const refs = o.functions();
    try {
      const lengths = await observeOutboxes(o.redis, refs);
      await Promise.all(refs.filter((_, i) => (lengths[i] ?? 0) > 0).map(drain));
    } catch (error) {
      o.log.warn('callback-outbox-sweep-failed', { error: errorMessage(error) });
    }
  };

  const schedule = (): void => {
    if (closed) return;
    timer = o.clock.setTimer(o.sweepIntervalMs ?? 2_000, () => {
      void sweep().finally(schedule);
    });
  };

  return {
    async start() {
      o.subscriber.on('pmessage', onNotice);
      await o.subscriber.psubscribe(CALLBACK_OUTBOX_PATTERN);
      await sweep();
      schedule();
    },
    async close() {
      closed = true;
      timer?.cancel();
      o.subscriber.off('pmessage', onNotice);
      await o.subscriber.punsubscribe(CALLBACK_OUTBOX_PATTERN).catch(() => undefined);
      await callbacks.close();
    },
  };
}
