// The autoscaler loop: a timer and wake events both call one tick(key), which observes the queue, decides and
// scales. Shaped after knative's `runScalerTicker` + `Poke`; the decision itself is decide.ts, pure.
import type { Redis } from '@spool/node';
import {
  REPLICA_STATUS_KEY,
  channels,
  decodeScaleRequest,
  decodeWakeKey,
  dropLog,
  encodeReplicaStatus,
  functionKey,
  functionRef,
  metricFunctionName,
  type ReplicaStatus,
  type ResolvedFunction,
  type ScaleSpec,
} from '@spool/api';
import type { Clock, Timer } from '../clock.js';
import { errorMessage, type Log } from '../log.js';
import { recordDecision, type ControllerMetrics } from '../metrics.js';
import type { Runtime } from '../runtime/runtime.js';
import { coalescer } from './coalesce.js';
import {
  decide,
  initialScalerState,
  isIdleAtZero,
  requestedReplicas,
  withScaleRequest,
  withinCapacity,
  type Decision,
  type ScalerState,
} from './decide.js';
import { observeQueue, observeQueues, type QueueCounts } from './observe.js';

/**
 * A function the sweep found idle at zero is read again on one pass in this many (its share spread over them):
 * with the default 1 s interval, a wake message nobody heard is caught within 10 s instead of 1 s.
 */
export const IDLE_SWEEP_EVERY = 10;

export interface AutoscalerOptions {
  /** For queue counts and status writes. */
  readonly redis: Redis;
  /** A connection in subscriber mode, used for nothing else. */
  readonly subscriber: Redis;
  readonly runtime: Runtime;
  readonly clock: Clock;
  readonly log: Log;
  readonly metrics: ControllerMetrics;
  /** Poll period; wake events and scale requests tick at once regardless. */
  readonly intervalMs: number;
}

export interface Autoscaler {
  /** Scales `fn` from now on (a changed spec replaces the old one, keeping the scaler's state); ticks it at once. */
  track(fn: ResolvedFunction): void;
  /** Stops scaling a function and drops its state. */
  forget(key: string): void;
  /** An operator's count (`/system/scale-function`), applied at the function's next tick, which runs now. */
  request(key: string, replicas: number): void;
  /** Subscribes to wake and scale-request events and starts the timer. */
  start(): Promise<void>;
  /** Observe → decide → scale one function; never two at once per key, and a tick asked for during one runs after. */
  tick(key: string): Promise<void>;
  close(): Promise<void>;
}

interface TickInput {
  readonly fn: ResolvedFunction;
  readonly decision: Decision;
  readonly counts: QueueCounts;
  readonly readyReplicas: number;
  readonly previousReplicas: number;
}

const sameStatus = (a: ReplicaStatus | undefined, b: ReplicaStatus): boolean =>
  a !== undefined && a.replicas === b.replicas && a.readyReplicas === b.readyReplicas;

export function createAutoscaler(options: AutoscalerOptions): Autoscaler {
  const { redis, subscriber, runtime, clock, log, metrics } = options;
  const functions = new Map<string, ResolvedFunction>();
  const states = new Map<string, ScalerState>();
  /** Scale requests wait here until their function's next tick, so a tick in flight cannot overwrite them. */
  const requests = new Map<string, number>();
  const written = new Map<string, ReplicaStatus>();
  /** Anyone with access to the Redis can publish on these channels: bad messages are logged at most every 10 s. */
  const drops = dropLog();
  let timer: Timer | undefined;

  async function writeStatus(key: string, status: ReplicaStatus): Promise<void> {
    // Forgotten while this tick ran (deleted): its status is already cleaned up, and must stay so.
    if (!functions.has(key) || sameStatus(written.get(key), status)) return;
    const json = encodeReplicaStatus(status);
    await redis.multi().hset(REPLICA_STATUS_KEY, key, json).publish(channels.scaled, json).exec();
    written.set(key, status);
  }

  async function applyDecision(key: string, input: TickInput): Promise<void> {
    const { fn, decision } = input;
    if (decision.replicas !== input.previousReplicas) {
      await runtime.scale(functionRef(fn), decision.replicas);
      recordDecision(metrics, metricFunctionName(fn.metadata), decision.replicas, decision.reason);
      log.info('scaled', {
        key,
        from: input.previousReplicas,
        to: decision.replicas,
        reason: decision.reason,
        ...input.counts,
      });
    }
    states.set(key, decision.state);
    const status = {
      key,
      replicas: decision.replicas,
      readyReplicas: input.readyReplicas,
      reason: decision.reason,
    };
    await writeStatus(key, { ...status, atMs: clock.now() });
  }

  /** What the runtime can give the function; an operator's request may still go past the runtime's cap. */
  const scaleOf = (fn: ResolvedFunction, state: ScalerState, nowMs: number): ScaleSpec =>
    withinCapacity(fn.spec.scale, runtime.maxReplicas, requestedReplicas(state, nowMs));

  async function tickOnce(key: string): Promise<void> {
    // Anything that ticks a function (a wake, a request, a change) may end its idleness: sweep it every pass.
    idleAtZero.delete(key);
    tickedDuringSweep.add(key);
    const fn = functions.get(key);
    if (fn === undefined) return;
    const startedMs = clock.now();
    try {
      const ref = functionRef(fn);
      const [counts, seen] = await Promise.all([observeQueue(redis, ref), runtime.observeReplicas(ref)]);
      const nowMs = clock.now();
      let state = states.get(key) ?? initialScalerState;
      const requested = requests.get(key);
      if (requested !== undefined) {
        requests.delete(key);
        state = withScaleRequest(state, requested, fn.spec.scale, nowMs);
      }
      const scale = scaleOf(fn, state, nowMs);
      const decision = decide({ ...counts, currentReplicas: seen.replicas }, scale, state, nowMs);
      await applyDecision(key, {
        fn,
        decision,
        counts,
        readyReplicas: seen.readyReplicas,
        previousReplicas: seen.replicas,
      });
    } catch (error) {
      metrics.tickErrors.inc();
      log.error('tick-failed', { key, error: errorMessage(error) });
    } finally {
      metrics.tickDuration.observe((clock.now() - startedMs) / 1000);
    }
  }

  const ticks = coalescer(tickOnce);

  /**
   * Functions a sweep found idle at zero, each with the pass (modulo IDLE_SWEEP_EVERY) that reads it again. Their
   * wake-up comes from the gateway's wake message; the sweep only catches one nobody heard.
   */
  const idleAtZero = new Map<string, number>();
  /** Ticked while a sweep read the queues: what that sweep read may be stale, so none of these counts as idle. */
  const tickedDuringSweep = new Set<string>();
  let pass = 0;
  /** The next idle function's pass: round robin, so each pass reads a tenth of them, not all on one. */
  let spread = 0;

  /**
   * The timer's pass: one pipelined read of the queues, then a full tick only where something can change. A
   * function idle at zero (most of them, at 1,000 functions) costs five O(1) commands, and is read on one pass in
   * IDLE_SWEEP_EVERY: at 10,000 functions, reading every queue every second was 50,000 commands a second.
   */
  let sweeping = false;
  async function sweep(): Promise<void> {
    if (sweeping) return; // a slow pass is not stacked on by the next interval
    sweeping = true;
    pass = (pass + 1) % IDLE_SWEEP_EVERY;
    tickedDuringSweep.clear();
    try {
      const list = [...functions.entries()].filter(([key]) => (idleAtZero.get(key) ?? pass) === pass);
      const counts = await observeQueues(
        redis,
        list.map(([, fn]) => functionRef(fn)),
      );
      const seen = await Promise.all(list.map(([, fn]) => runtime.observeReplicas(functionRef(fn))));
      list.forEach(([key, fn], i) => {
        const idle = isIdleAtZero(counts[i]!, seen[i]!.replicas, fn.spec.scale);
        // A replica still draining after scale-down changes readyReplicas only: tick until the status says 0.
        const statusCurrent = written.get(key)?.readyReplicas === seen[i]!.readyReplicas;
        const quiet = idle && statusCurrent && !requests.has(key) && !tickedDuringSweep.has(key);
        if (!quiet) void ticks.run(key);
        else if (functions.has(key)) idleAtZero.set(key, (spread = (spread + 1) % IDLE_SWEEP_EVERY));
      });
    } catch (error) {
      log.error('sweep-failed', { error: errorMessage(error) });
    } finally {
      sweeping = false;
    }
  }

  /** After a reconnect, wake messages sent meanwhile are lost: the next pass reads every queue. */
  function sweepAllNext(): void {
    idleAtZero.clear();
  }

  function onWake(message: string): void {
    const key = decodeWakeKey(message);
    if (key.ok && functions.has(key.value)) void ticks.run(key.value);
    else if (!key.ok && drops.drop(channels.wake, clock.now()) !== undefined)
      log.warn('wake-ignored', { message: message.slice(0, 200), error: key.error });
  }

  function onScaleRequest(message: string): void {
    const request = decodeScaleRequest(message);
    if (!request.ok || !functions.has(request.value.key)) {
      const dropped = drops.drop(channels.scaleRequest, clock.now());
      const error = request.ok ? `no function ${request.value.key} is served` : request.error;
      if (dropped !== undefined)
        log.warn('scale-request-ignored', { message: message.slice(0, 200), error, dropped });
      return;
    }
    requestReplicas(request.value.key, request.value.replicas);
  }

  /** Never throws: a message handler that threw would stop the subscriber's other listeners too. */
  function onMessage(channel: string, message: string): void {
    if (channel === channels.wake) onWake(message);
    else if (channel === channels.scaleRequest) onScaleRequest(message);
  }

  function requestReplicas(key: string, replicas: number): void {
    if (!functions.has(key)) return;
    log.info('scale-requested', { key, replicas });
    requests.set(key, replicas);
    void ticks.run(key);
  }

  return {
    track: (fn) => {
      const key = functionKey(functionRef(fn));
      const before = functions.get(key);
      functions.set(key, fn);
      if (timer !== undefined && JSON.stringify(before?.spec) !== JSON.stringify(fn.spec))
        void ticks.run(key);
    },

    forget: (key) => {
      functions.delete(key);
      idleAtZero.delete(key);
      states.delete(key);
      requests.delete(key);
      written.delete(key);
    },

    request: requestReplicas,

    start: async () => {
      subscriber.on('message', onMessage);
      subscriber.on('ready', sweepAllNext);
      await subscriber.subscribe(channels.wake, channels.scaleRequest);
      timer = clock.setInterval(options.intervalMs, () => void sweep());
      for (const key of functions.keys()) void ticks.run(key);
    },

    tick: (key) => ticks.run(key),

    close: async () => {
      timer?.cancel();
      subscriber.off('message', onMessage);
      subscriber.off('ready', sweepAllNext);
      await ticks.idle();
    },
  };
}
