// @spool/watchdog: the per-pod process that pulls a function's calls from its queue and runs them in user code.
export { createWatchdog, type Watchdog, type WatchdogDeps } from './watchdog.js';
export { systemClock, type Clock } from './clock.js';
export { stderrLogger, silentLogger, type Logger } from './logger.js';
export type { WatchdogMetrics } from './metrics.js';
export type { Runner, RunResult, RunnerOptions, RestartReason } from './runner/runner.js';
export type { WatchdogPhase, WatchdogSnapshot, ProbeDecision } from './readiness.js';
export { pushCallbackToOutbox } from './replies.js';
