// The `process` runtime: each replica is one local watchdog process, kept at the wanted count like a ReplicaSet.
// The embedded default for trying Spool on one machine, and what the integration tests run.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { availableParallelism, constants as osConstants } from 'node:os';
import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  decodeReadinessReason,
  decideRestart,
  functionKey,
  functionRef,
  restartBackoff,
  WATCHDOG_START_TIMEOUT_MS,
  type FunctionRef,
  type ResolvedFunction,
  type RedisAuth,
  type WatchdogSettings,
} from '@spool/api';
import { signalGroup } from '@spool/node';
import { localReplicaCapacity } from '../autoscale/decide.js';
import type { Clock, Timer } from '../clock.js';
import { errorMessage, type Log } from '../log.js';
import { describeTermination } from '../reconcile/pod-failure.js';
import { decideLocalFailure } from './local-failure.js';
import { freePortExcept } from './ports.js';
import { LIFELINE_FD, NO_REDIS_AUTH, freeIndex, replicaEnv, replicaLogPath } from './replica-env.js';
import type { FunctionRedisCredential, ReplicaCounts, Runtime } from './runtime.js';

export interface ProcessRuntimeOptions {
  /** argv of one watchdog, e.g. `['node', 'watchdog/dist/main.js']`. */
  readonly watchdogCommand: readonly string[];
  readonly redisUrl: string;
  /** Shared-credential mode (SPOOL_REDIS_ACL=off): what every replica authenticates with. @defaultValue none */
  readonly sharedRedisAuth?: RedisAuth;
  /** Replica logs go to `<stateDir>/logs/`. */
  readonly stateDir: string;
  /** Inherited by every replica (PATH, HOME, …); main passes `process.env`. */
  readonly baseEnv: Readonly<Record<string, string | undefined>>;
  /** Watchdog settings given to every replica (`SPOOL_*` of baseEnv are not inherited). */
  readonly watchdog?: Partial<WatchdogSettings>;
  readonly clock: Clock;
  readonly log: Log;
  /** Added to the function's timeoutSeconds before a draining replica is killed; the watchdog's own kill grace fits in it. */
  readonly killMarginMs?: number;
  /** A `/_/ready` probe slower than this counts as not ready. */
  readonly probeTimeoutMs?: number;
  /** How often a starting replica is probed until it first answers ready (rolling updates wait for that). */
  readonly startupProbeIntervalMs?: number;
  /** Runtime `maxReplicas`: every replica runs on this machine. @defaultValue no limit but `scale.max` */
  readonly maxReplicas?: number;
}

export interface ReplicaInfo {
  readonly index: number;
  readonly pid: number;
  readonly watchdogPort: number;
  readonly userPort: number;
}

export interface ProcessRuntime extends Runtime {
  /** The replicas running for a function, draining ones excluded: for tests and operators. */
  replicas(ref: FunctionRef): ReplicaInfo[];
}

interface Replica {
  readonly index: number;
  readonly specHash: string;
  readonly child: ChildProcess;
  readonly ports: readonly [watchdog: number, user: number];
  readonly startedAtMs: number;
  readonly exited: Promise<void>;
  stopping: boolean;
  hasExited: boolean;
  /** Answered ready at least once; a rolling update stops old replicas once enough new ones have. */
  becameReady: boolean;
}

interface Managed {
  fn: ResolvedFunction;
  /** The function's own Redis user, in each replica's private environment; the runtime's own when unset. */
  credential: FunctionRedisCredential | undefined;
  specHash: string;
  desired: number;
  replicas: Replica[];
  consecutiveCrashes: number;
  /** How the last replica that died on its own ended ("exit code 3"), named in a CrashLoopBackOff status. */
  lastExit: string | undefined;
  restartTimer: Timer | undefined;
  removed: boolean;
}

/** A replica that died on its own is replaced after 100 ms doubling to 30 s; 10 s of life resets it. */
const RESTART_BACKOFF = restartBackoff(30_000);

const describeExit = (code: number | null, signal: NodeJS.Signals | null): string =>
  code === null && signal === null
    ? 'could not start'
    : describeTermination({
        exitCode: code ?? undefined,
        signal: signal === null ? undefined : osConstants.signals[signal],
      });

/** A changed spec or a rotated Redis password rolls the replicas. */
const specHash = (fn: ResolvedFunction, credential: FunctionRedisCredential | undefined): string =>
  createHash('sha256')
    .update(JSON.stringify(fn.spec))
    .update(credential?.digest ?? '')
    .digest('hex');

interface Probed {
  readonly ready: boolean;
  readonly crashLoop?: string | undefined;
}

const isLive = (r: Replica): boolean => !r.stopping && !r.hasExited;

/** The process runtime's `maxReplicas`: the configured one, else what this machine's cores can run side by side. */
export const localMaxReplicas = (configured: number | undefined): number =>
  configured ?? localReplicaCapacity(availableParallelism());

export function createProcessRuntime(options: ProcessRuntimeOptions): ProcessRuntime {
  const { clock, log } = options;
  const killMarginMs = options.killMarginMs ?? 5_000;
  const probeTimeoutMs = options.probeTimeoutMs ?? 1_000;
  const startupProbeIntervalMs = options.startupProbeIntervalMs ?? 200;
  const startTimeoutMs = options.watchdog?.startTimeoutMs ?? WATCHDOG_START_TIMEOUT_MS;
  const functions = new Map<string, Managed>();
  const portsInUse = new Set<number>();
  const locks = new Map<string, Promise<void>>();
  const listeners: ((key: string) => void)[] = [];
  let closed = false;

  const notify = (m: Managed): void => {
    const key = functionKey(functionRef(m.fn));
    for (const listener of listeners) listener(key);
  };

  /** Runs `work` after every earlier locked call for `key`: scale, apply and replacements never interleave. */
  function locked<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = locks.get(key) ?? Promise.resolve();
    const result = previous.then(work);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    locks.set(key, tail);
    void tail.then(() => {
      if (locks.get(key) === tail) locks.delete(key);
    });
    return result;
  }

  /** `/_/ready`: ready, or not with the watchdog's reason (a crash loop names the user process's last exit). */
  async function probeReason(replica: Replica): Promise<Probed> {
    try {
      const response = await fetch(`http://127.0.0.1:${replica.ports[0]}/_/ready`, {
        signal: AbortSignal.timeout(probeTimeoutMs),
      });
      const body = await response.text();
      if (response.status === 200) return { ready: true };
      const reason = decodeReadinessReason(body);
      return {
        ready: false,
        crashLoop: reason.ok && reason.value.kind === 'crash-loop' ? reason.value.lastExit : undefined,
      };
    } catch {
      // Refused, reset or timed out: not ready, which is the answer, not a failure.
      return { ready: false };
    }
  }

  const probe = async (replica: Replica): Promise<boolean> => (await probeReason(replica)).ready;

  async function watchStartup(m: Managed, replica: Replica): Promise<void> {
    while (isLive(replica) && !closed) {
      if (await probe(replica)) {
        replica.becameReady = true;
        notify(m);
        if (m.replicas.some((r) => isLive(r) && r.specHash !== m.specHash)) {
          await locked(functionKey(functionRef(m.fn)), () => converge(m));
        }
        return;
      }
      await clock.sleep(startupProbeIntervalMs);
    }
  }

  function stop(m: Managed, replica: Replica): Promise<void> {
    if (replica.stopping || replica.hasExited) return replica.exited;
    replica.stopping = true;
    const pid = replica.child.pid;
    // The watchdog drains calls in flight on SIGTERM, each bounded by timeoutSeconds; past that, kill its group.
    const killAfterMs = m.fn.spec.timeoutSeconds * 1000 + killMarginMs;
    const killer = clock.setTimer(killAfterMs, () => {
      if (pid !== undefined && !replica.hasExited) killGroup(pid, log);
    });
    replica.child.kill('SIGTERM');
    return replica.exited.finally(() => killer.cancel());
  }

  function onExit(m: Managed, replica: Replica, code: number | null, signal: NodeJS.Signals | null): void {
    replica.hasExited = true;
    // Whatever is left in the watchdog's own group dies with it; its user processes' guards saw the lifeline
    // close and killed their groups (watchdog process-group.ts GUARD_SOURCE).
    if (replica.child.pid !== undefined) killGroup(replica.child.pid, log);
    for (const port of replica.ports) portsInUse.delete(port);
    m.replicas = m.replicas.filter((r) => r !== replica);
    const ref = functionRef(m.fn);
    notify(m);
    if (replica.stopping || m.removed || closed) {
      log.info('replica-stopped', {
        key: functionKey(ref),
        index: replica.index,
        pid: replica.child.pid,
        code,
        signal,
      });
      return;
    }
    const livedMs = clock.now() - replica.startedAtMs;
    const { crashes, delayMs } = decideRestart(m.consecutiveCrashes, livedMs, RESTART_BACKOFF);
    m.consecutiveCrashes = crashes;
    m.lastExit = describeExit(code, signal);
    log.warn('replica-died', {
      key: functionKey(ref),
      index: replica.index,
      code,
      signal,
      livedMs,
      restartInMs: delayMs,
    });
    scheduleConverge(m, delayMs);
  }

  function scheduleConverge(m: Managed, delayMs: number): void {
    if (m.restartTimer !== undefined) return;
    const key = functionKey(functionRef(m.fn));
    m.restartTimer = clock.setTimer(delayMs, () => {
      m.restartTimer = undefined;
      locked(key, () => converge(m)).catch((error: unknown) =>
        log.error('converge-failed', { key, error: errorMessage(error) }),
      );
    });
  }

  async function startReplica(m: Managed): Promise<void> {
    const ref = functionRef(m.fn);
    const index = freeIndex(m.replicas.map((r) => r.index));
    const watchdogPort = await freePortExcept(portsInUse);
    portsInUse.add(watchdogPort);
    const userPort = await freePortExcept(portsInUse);
    portsInUse.add(userPort);
    const logPath = replicaLogPath(options.stateDir, ref, index);
    await mkdir(dirname(logPath), { recursive: true });
    const logFile = await open(logPath, 'a');
    const [command, ...args] = options.watchdogCommand;
    if (command === undefined || closed || m.removed) {
      await logFile.close();
      portsInUse.delete(watchdogPort);
      portsInUse.delete(userPort);
      if (command === undefined) throw new Error('the watchdog command is empty');
      return;
    }
    let child: ChildProcess;
    try {
      // detached: the watchdog leads its own process group, so a SIGKILL reaches the user process it started too.
      child = spawn(command, args, {
        env: replicaEnv(m.fn, {
          baseEnv: options.baseEnv,
          ...(options.watchdog ? { watchdog: options.watchdog } : {}),
          redisUrl: options.redisUrl,
          redisAuth: m.credential
            ? { username: m.credential.username, password: m.credential.password }
            : (options.sharedRedisAuth ?? NO_REDIS_AUTH),
          watchdogPort,
          userPort,
        }),
        // fd 3 (LIFELINE_FD): a socket pair only this process holds the other end of; see replica-env.ts.
        stdio: ['ignore', logFile.fd, logFile.fd, 'pipe'],
        detached: true,
      });
      child.stdio[LIFELINE_FD]?.on('error', (error) =>
        log.warn('replica-lifeline-error', { pid: child.pid, error: error.message }),
      );
    } finally {
      await logFile.close();
    }
    const replica = track(m, child, { index, ports: [watchdogPort, userPort] });
    m.replicas.push(replica);
    log.info('replica-started', {
      key: functionKey(ref),
      index,
      pid: child.pid,
      watchdogPort,
      userPort,
      log: logPath,
    });
    watchStartup(m, replica).catch((error: unknown) =>
      log.error('converge-failed', { key: functionKey(ref), error: errorMessage(error) }),
    );
  }

  function track(
    m: Managed,
    child: ChildProcess,
    at: { index: number; ports: readonly [number, number] },
  ): Replica {
    let resolveExited = (): void => {};
    const exited = new Promise<void>((resolve) => (resolveExited = resolve));
    const replica: Replica = {
      ...at,
      specHash: m.specHash,
      child,
      startedAtMs: clock.now(),
      exited,
      stopping: false,
      hasExited: false,
      becameReady: false,
    };
    child.once('error', (error) => {
      log.error('replica-spawn-failed', { key: functionKey(functionRef(m.fn)), error: error.message });
      if (child.pid === undefined && !replica.hasExited) {
        onExit(m, replica, null, null);
        resolveExited();
      }
    });
    child.once('exit', (code, signal) => {
      if (!replica.hasExited) onExit(m, replica, code, signal);
      resolveExited();
    });
    return replica;
  }

  /** Level-triggered: from whatever replicas exist, start or stop until the wanted count runs the current spec. */
  async function converge(m: Managed): Promise<void> {
    if (m.removed || closed) return;
    const live = m.replicas.filter(isLive);
    const current = live.filter((r) => r.specHash === m.specHash).sort((a, b) => a.index - b.index);
    const old = live.filter((r) => r.specHash !== m.specHash);
    for (const r of current.slice(m.desired)) void stop(m, r);
    const kept = current.slice(0, m.desired);
    // After a crash the replacement waits for its backoff timer, which converges again.
    if (m.restartTimer === undefined) {
      for (let i = kept.length; i < m.desired; i += 1) await startReplica(m);
    }
    // Rolling update, as a Deployment with maxUnavailable 0: old replicas go once the wanted count of new ones
    // has answered ready (watchStartup converges again when one does).
    if (old.length > 0 && kept.filter((r) => r.becameReady).length >= m.desired) {
      for (const r of old) void stop(m, r);
    }
  }

  function managed(ref: FunctionRef, action: string): Managed {
    const m = functions.get(functionKey(ref));
    if (m === undefined) throw new Error(`${action} ${functionKey(ref)}: the function was never applied`);
    return m;
  }

  return {
    ...(options.maxReplicas === undefined ? {} : { maxReplicas: options.maxReplicas }),
    start: () => Promise.resolve(),

    apply: (fn, credential) => {
      const key = functionKey(functionRef(fn));
      return locked(key, async () => {
        const hash = specHash(fn, credential);
        const m = functions.get(key);
        if (m === undefined) {
          // As the Kubernetes runtime creates a Deployment: at scale.min, and the autoscaler takes it from there.
          const created: Managed = {
            fn,
            credential,
            specHash: hash,
            desired: fn.spec.scale.min,
            replicas: [],
            consecutiveCrashes: 0,
            lastExit: undefined,
            restartTimer: undefined,
            removed: false,
          };
          functions.set(key, created);
          await converge(created);
          return;
        }
        if (m.specHash === hash) return;
        m.fn = fn;
        m.credential = credential;
        m.specHash = hash;
        m.consecutiveCrashes = 0;
        log.info('function-changed', { key, replicas: m.desired });
        await converge(m);
      });
    },

    remove: (ref) =>
      locked(functionKey(ref), async () => {
        const m = functions.get(functionKey(ref));
        if (m === undefined) return;
        m.removed = true;
        m.restartTimer?.cancel();
        functions.delete(functionKey(ref));
        await Promise.all(m.replicas.map((r) => stop(m, r)));
      }),

    scale: (ref, replicas) =>
      locked(functionKey(ref), async () => {
        const m = managed(ref, 'scaling');
        m.desired = replicas;
        await converge(m);
      }),

    observeReplicas: async (ref): Promise<ReplicaCounts> => {
      const m = functions.get(functionKey(ref));
      if (m === undefined) return { replicas: 0, readyReplicas: 0 };
      const ready = await Promise.all(m.replicas.filter(isLive).map(probe));
      return { replicas: m.desired, readyReplicas: ready.filter(Boolean).length };
    },

    observe: async (ref) => {
      const m = functions.get(functionKey(ref));
      if (m === undefined) return undefined;
      const live = m.replicas.filter(isLive);
      const probed = await Promise.all(live.map(probeReason));
      return {
        desiredReplicas: m.desired,
        replicas: live.length,
        readyReplicas: probed.filter((p) => p.ready).length,
        progressDeadlineExceeded: false,
        failure: decideLocalFailure(
          {
            consecutiveCrashes: m.consecutiveCrashes,
            lastExit: m.lastExit,
            replicas: live.map((r, i) => ({
              startedAtMs: r.startedAtMs,
              becameReady: r.becameReady,
              ready: probed[i]?.ready ?? false,
              crashLoop: probed[i]?.crashLoop,
            })),
            startTimeoutMs,
          },
          clock.now(),
        ),
      };
    },

    watch: (listener) => void listeners.push(listener),

    replicas: (ref) =>
      (functions.get(functionKey(ref))?.replicas ?? []).filter(isLive).flatMap((r) => {
        const pid = r.child.pid;
        return pid === undefined
          ? []
          : [{ index: r.index, pid, watchdogPort: r.ports[0], userPort: r.ports[1] }];
      }),

    close: async () => {
      closed = true;
      const all = [...functions.values()];
      for (const m of all) m.restartTimer?.cancel();
      await Promise.all(all.flatMap((m) => m.replicas.map((r) => stop(m, r))));
      functions.clear();
    },
  };
}

/** SIGKILL to a replica's whole group; 'gone' (ESRCH) is what we wanted, 'denied' (EPERM) leaves a process alive. */
function killGroup(pid: number, log: Log): void {
  if (signalGroup(pid, 'SIGKILL') === 'denied') log.error('replica-kill-failed', { pid, signal: 'SIGKILL' });
}
