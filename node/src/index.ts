// @spool/node: the Node.js adapters every service shares (time, process groups, logs, the Redis connection).
export { systemClock } from './clock.js';
export { DeadlineExceeded, withDeadline } from './deadline.js';
export { whenReady, type ReadyReporter } from './redis-ready.js';
export { isGroupAlive, signalGroup, type SignalOutcome } from './process-group.js';
export {
  createLogger,
  describeError,
  silentLogger,
  type LogFields,
  type Logger,
  type LoggerOptions,
} from './log.js';
export { readCheckedBody, readStoredBody, storeBody, storeRetainedBody } from './body-store.js';
export { connectRedis, duplicateRedis, pipelineGroups, type CommandGroup, type Redis } from './redis.js';
