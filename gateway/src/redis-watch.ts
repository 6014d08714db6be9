// Is Redis reachable? Probes both gateway connections, serves /healthz, and says when calls waiting on a reply
// must be given up (the subscriber is down, so their reply cannot arrive) and when Redis is back (issue 10).
import type { Redis } from '@spool/node';
import { withDeadline } from '@spool/node';

export interface RedisWatchState {
  readonly reachable: boolean;
  /** When the first failed probe of the current outage was seen. */
  readonly downSinceMs: number | undefined;
  /** The outage has lasted `lostAfterMs` and `lost` was emitted. */
  readonly lost: boolean;
}

export type RedisWatchEvent = 'lost' | 'back' | undefined;

export const initialRedisWatchState: RedisWatchState = {
  reachable: true,
  downSinceMs: undefined,
  lost: false,
};

/**
 * One probe's outcome → next state and the event to act on. Unready at the first failed probe (healthz 503 at
 * once); `lost` once the outage has lasted `lostAfterMs` (a blip of a few ms does not fail calls in flight);
 * `back` at the first good probe after any failed one (refused calls are withdrawn then). See redis-watch.test.ts.
 */
export function decideRedisWatch(
  prev: RedisWatchState,
  probeOk: boolean,
  nowMs: number,
  lostAfterMs: number,
): { state: RedisWatchState; event: RedisWatchEvent } {
  if (probeOk) {
    return { state: initialRedisWatchState, event: prev.reachable ? undefined : 'back' };
  }
  const downSinceMs = prev.downSinceMs ?? nowMs;
  const lost = nowMs - downSinceMs >= lostAfterMs;
  return {
    state: { reachable: false, downSinceMs, lost },
    event: lost && !prev.lost ? 'lost' : undefined,
  };
}

export interface RedisWatchOptions {
  readonly redis: Redis;
  readonly subscriber: Redis;
  readonly intervalMs: number;
  readonly probeTimeoutMs: number;
  readonly lostAfterMs: number;
  readonly now: () => number;
  readonly onLost: () => void;
  readonly onBack: () => void;
}

export interface RedisWatch {
  reachable(): boolean;
  start(): void;
  close(): void;
}

export function createRedisWatch(options: RedisWatchOptions): RedisWatch {
  const { redis, subscriber } = options;
  let state = initialRedisWatchState;
  let timer: NodeJS.Timeout | undefined;
  let probing = false;

  const probeOk = async (): Promise<boolean> => {
    if (redis.status !== 'ready' || subscriber.status !== 'ready') return false;
    return withDeadline(redis.ping(), options.probeTimeoutMs, 'PING').then(
      () => true,
      // Refused, closed or late: unreachable, which is the answer, not a failure.
      () => false,
    );
  };

  const probe = async (): Promise<void> => {
    if (probing) return;
    probing = true;
    try {
      const next = decideRedisWatch(state, await probeOk(), options.now(), options.lostAfterMs);
      state = next.state;
      if (next.event === 'lost') options.onLost();
      if (next.event === 'back') options.onBack();
    } finally {
      probing = false;
    }
  };
  const probeNow = (): void => void probe();

  return {
    reachable: () => state.reachable && redis.status === 'ready' && subscriber.status === 'ready',
    start: () => {
      redis.on('close', probeNow).on('ready', probeNow);
      subscriber.on('close', probeNow).on('ready', probeNow);
      timer = setInterval(probeNow, options.intervalMs);
    },
    close: () => {
      clearInterval(timer);
      redis.off('close', probeNow).off('ready', probeNow);
      subscriber.off('close', probeNow).off('ready', probeNow);
    },
  };
}
