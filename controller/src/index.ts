// @spool/controller: runs Functions on a runtime and scales them from their queues (autoscaler, process runtime).
export { createController, type Controller, type ControllerDeps } from './controller.js';
export { createAutoscaler, type Autoscaler, type AutoscalerOptions } from './autoscale/autoscaler.js';
export {
  decide,
  initialScalerState,
  withScaleRequest,
  type Decision,
  type QueueObservation,
  type ScaleReason,
  type ScalerState,
} from './autoscale/decide.js';
export { observeQueue, observeQueues, type QueueCounts } from './autoscale/observe.js';
export { systemClock, type Clock, type Timer } from './clock.js';
export { jsonLog, silentLog, type Log, type LogFields } from './log.js';
export { createControllerMetrics, type ControllerMetrics } from './metrics.js';
export {
  loadLocalFunctions,
  localRegistry,
  type FunctionSource,
  type LocalFunction,
} from './registry/local-registry.js';
export type { ReplicaCounts, Runtime } from './runtime/runtime.js';
export {
  createProcessRuntime,
  type ProcessRuntime,
  type ProcessRuntimeOptions,
  type ReplicaInfo,
} from './runtime/process.js';
export {
  applyFunctionUser,
  applyServiceUsers,
  newRedisPassword,
  readFunctionUsers,
  removeFunctionUser,
  removeStaleFunctionUsers,
  rotateFunctionUser,
  turnOffDefaultUser,
  type ServicePasswords,
} from './redis-users.js';
export { drainCallbackOutbox, observeOutboxes, type OutboxDrain } from './callback-outbox.js';
export { createKubeController, type KubeController, type KubeControllerDeps } from './kube-controller.js';
