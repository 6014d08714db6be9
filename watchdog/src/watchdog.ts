// createWatchdog(deps): the per-pod lifecycle (health server, user process runner, queue worker) without env or signals.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { trace, type Tracer } from '@opentelemetry/api';
import type { Redis } from '@spool/node';
import type { CallbackJob, WatchdogConfig } from '@spool/api';
import { withDeadline } from '@spool/node';
import { systemClock, type Clock } from './clock.js';
import { terminationMessage } from './crash-exit.js';
import { stderrLogger, type Logger } from './logger.js';
import { createMetrics, type WatchdogMetrics } from './metrics.js';
import type { EnvMap } from './process-group.js';
import {
  decideLiveness,
  decideReadiness,
  type ProbeDecision,
  type WatchdogPhase,
  type WatchdogSnapshot,
} from './readiness.js';
import { createForkRunner } from './runner/fork-runner.js';
import { createHttpRunner } from './runner/http-runner.js';
import type { Runner, RunnerOptions } from './runner/runner.js';
import { pushCallbackToOutbox } from './replies.js';
import { createShutdown } from './shutdown.js';
import { createInvocationWorker, type InvocationWorker } from './worker.js';

export interface WatchdogDeps {
  readonly config: WatchdogConfig;
  /** Opens one Redis connection with `maxRetriesPerRequest: null` (BullMQ blocks on it); the watchdog closes it. */
  readonly createRedis: () => Redis;
  /** The environment the user process inherits beneath `spec.env` (main.ts passes process.env). */
  readonly baseEnv: EnvMap;
  readonly clock?: Clock;
  readonly tracer?: Tracer;
  readonly logger?: Logger;
  /**
   * The user process kept crashing at start (`exitAfterStartCrashes`) and is no longer restarted: main.ts writes
   * `message` to the termination message file and exits, so the pod's CrashLoopBackOff names the cause.
   * Without it the watchdog only logs, and stays unready.
   */
  readonly onGaveUp?: (message: string) => void;
}

export interface Watchdog {
  /** Listens on config.host:config.port, starts the user process, then starts pulling jobs. */
  start(): Promise<void>;
  /** The shutdown sequence (see shutdown.ts); safe to call more than once. Resolves true when every step succeeded. */
  close(): Promise<boolean>;
  /** The health server's port, 0 until it listens (tests use port 0). */
  port(): number;
  readonly metrics: WatchdogMetrics;
}

/** Longest wait for Redis to take the last writes and QUIT at shutdown; then the connections are dropped. */
const REDIS_CLOSE_TIMEOUT_MS = 2_000;
/** Past the calls in flight (each ≤ timeoutSeconds + killGraceMs), what closing the worker itself may take. */
const WORKER_CLOSE_MARGIN_MS = 1_000;

/**
 * Resolves once Redis is unreachable and no call is running: the worker's close would then only wait for writes
 * that cannot happen. Polls every 100 ms until `stop` aborts.
 */
async function nothingLeftToDrain(
  connections: readonly Redis[],
  metrics: WatchdogMetrics,
  clock: Clock,
  stop: AbortSignal,
): Promise<void> {
  while (!stop.aborted) {
    const running = (await metrics.inFlight.get()).values[0]?.value ?? 0;
    if (running === 0 && connections.some((c) => c.status !== 'ready')) return;
    await clock.sleep(100, stop).catch(() => undefined);
  }
}

export function createWatchdog(deps: WatchdogDeps): Watchdog {
  const { config } = deps;
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger ?? stderrLogger;
  const tracer = deps.tracer ?? trace.getTracer('@spool/watchdog');
  const metrics = createMetrics(config.function);
  let phase: WatchdogPhase = 'starting';
  let invocations: InvocationWorker | undefined;
  /** Pauses and resumes of the worker, one after the other (a resume must never overtake its pause). */
  let intake: Promise<void> = Promise.resolve();
  /**
   * While a timeout replaces the user process (issue 10 item 6), the worker pulls no new calls: they stay in the
   * queue for another replica, or for this one once its replacement is ready, instead of waiting inside it.
   * `pause(true)` leaves the calls in flight running; the runner also holds any call pulled meanwhile until ready.
   */
  const holdIntake = (hold: boolean): void => {
    intake = intake.then(async () => {
      const worker = invocations?.worker;
      if (worker === undefined) return;
      if (hold && phase === 'running') await worker.pause(true);
      // Not once shutdown began: resume() would restart a loop that close() is stopping.
      else if (!hold && phase === 'running' && worker.isPaused()) await worker.resume();
    });
    intake = intake.catch((error: unknown) =>
      logger.error('pausing or resuming the queue worker', { error }),
    );
  };
  const runnerOptions: RunnerOptions = {
    config,
    baseEnv: deps.baseEnv,
    clock,
    logger,
    events: {
      restarted: (reason) => metrics.restarts.inc({ reason }),
      timedOut: () => metrics.timeouts.inc(),
      replacing: holdIntake,
      gaveUp: (lastExit) => {
        const message = terminationMessage(lastExit);
        if (deps.onGaveUp) deps.onGaveUp(message);
        else logger.error('the user process is no longer restarted', { message });
      },
    },
  };
  const runner: Runner =
    config.spec.mode === 'fork' ? createForkRunner(runnerOptions) : createHttpRunner(runnerOptions);
  const connections: Redis[] = [];

  const snapshot = (): WatchdogSnapshot => ({
    phase,
    // Paused on purpose while the user process is replaced: its loop may have ended, yet it is not dead.
    workerRunning: (invocations?.worker.isRunning() ?? false) || (invocations?.worker.isPaused() ?? false),
    userProcessReady: runner.isReady(),
    userProcessReplacing: runner.isReplacing(),
    userProcessCrashLoop: runner.crashLoop(),
  });
  const server = createServer((req, res) => {
    handleProbe(req, res, { snapshot, metrics }).catch((error: unknown) => {
      logger.error('answering a probe', { error });
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });

  const close = createShutdown(
    {
      goUnready: () => {
        phase = 'draining';
      },
      closeWorker: async () => {
        const done = new AbortController();
        let closed = false;
        const drained = (async () => {
          await invocations?.worker.close();
          await invocations?.settled();
          closed = true;
        })();
        try {
          await withDeadline(
            Promise.race([drained, nothingLeftToDrain(connections, metrics, clock, done.signal)]),
            config.spec.timeoutSeconds * 1000 + config.killGraceMs + WORKER_CLOSE_MARGIN_MS,
            'closing the queue worker',
            clock,
          );
        } finally {
          done.abort();
          // Given up on: drop the worker's own connections too, or they would keep reconnecting to a dead Redis.
          // Not awaited: BullMQ's disconnect waits for a connection that may never become ready.
          if (!closed) void invocations?.worker.disconnect().catch(() => undefined);
        }
      },
      stopUserProcess: () => runner.stop(),
      closeRedis: async () => {
        try {
          await withDeadline(
            (async () => {
              await Promise.all(connections.map((c) => c.quit()));
            })(),
            REDIS_CLOSE_TIMEOUT_MS,
            'closing Redis',
            clock,
          );
        } finally {
          // Redis gone: QUIT would wait in the offline queue for ever; drop the sockets instead.
          for (const c of connections) c.disconnect();
        }
      },
      closeServer: async () => {
        phase = 'closed';
        await closeServer(server);
      },
    },
    logger,
  );

  const start = async (): Promise<void> => {
    await listen(server, config.port, config.host);
    logger.info('watchdog listening', {
      port: addressPort(server),
      function: config.function,
      mode: config.spec.mode,
    });
    await runner.start();
    // close() during start-up (SIGTERM while the user process was starting) wins: pull no jobs.
    if (phase !== 'starting') return;
    const connection = deps.createRedis();
    const publisher = deps.createRedis();
    connections.push(connection, publisher);
    invocations = createInvocationWorker({
      config,
      runner,
      connection,
      publisher,
      // Into the function's own outbox: its Redis user has no right on the shared callback queue (issue 11).
      sendCallback: (callback: CallbackJob) => pushCallbackToOutbox(publisher, config.function, callback),
      clock,
      tracer,
      metrics,
      logger,
    });
    await invocations.worker.waitUntilReady();
    if (phase === 'starting') phase = 'running';
  };

  return { start, close, port: () => addressPort(server), metrics };
}

interface ProbeContext {
  readonly snapshot: () => WatchdogSnapshot;
  readonly metrics: WatchdogMetrics;
}

async function handleProbe(req: IncomingMessage, res: ServerResponse, ctx: ProbeContext): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (path === '/_/health') return answerProbe(res, decideLiveness(ctx.snapshot()));
  if (path === '/_/ready') return answerProbe(res, decideReadiness(ctx.snapshot()));
  if (path === '/metrics') {
    const body = await ctx.metrics.registry.metrics();
    res.writeHead(200, { 'content-type': ctx.metrics.registry.contentType });
    res.end(body);
    return;
  }
  res.writeHead(404, { 'content-type': 'text/plain' });
  res.end('not found\n');
}

function answerProbe(res: ServerResponse, decision: ProbeDecision): void {
  res.writeHead(decision.ok ? 200 : 503, { 'content-type': 'text/plain' });
  res.end(`${decision.reason}\n`);
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function addressPort(server: Server): number {
  const address = server.address();
  return typeof address === 'object' && address !== null ? address.port : 0;
}

function closeServer(server: Server): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    // Probe clients keep connections alive; closing them lets close() finish now rather than at their timeout.
    server.closeAllConnections();
  });
}
