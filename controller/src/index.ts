// @spool/controller: one control loop for both modes (source → work queue → reconcile → runtime + status), the
// autoscaler beside it, and the process and Kubernetes runtimes.
export { createController, type Controller, type ControllerDeps } from './controller.js';
export { createLocalController, type LocalControllerDeps } from './modes/local.js';
export { createKubeController, type KubeController, type KubeControllerDeps } from './modes/kubernetes.js';
export {
  IDLE_SWEEP_EVERY,
  createAutoscaler,
  type Autoscaler,
  type AutoscalerOptions,
} from './autoscale/autoscaler.js';
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
export { alwaysLeader, type Elector, type LeadershipHandlers } from './leader/elector.js';
export { createLogger, silentLog, type Log, type LogFields } from './log.js';
export { createControllerMetrics, type ControllerMetrics } from './metrics.js';
export { createPublishedRegistry, type PublishedRegistry } from './registry/published-registry.js';
export { createFolderSource, scanFolder, type FolderSourceOptions } from './source/folder-source.js';
export { staticSource } from './source/static-source.js';
export type { DesiredFunction, FunctionSource } from './source/source.js';
export { createRedisStatusWriter } from './status/redis-status.js';
export type { StatusWriter } from './status/status-writer.js';
export type { FunctionRedisCredential, ReplicaCounts, Runtime } from './runtime/runtime.js';
export type { ObservedReplicas } from './reconcile/status.js';
export {
  createProcessRuntime,
  localMaxReplicas,
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
export { createOutboxMover, type OutboxMover, type OutboxMoverOptions } from './outbox-mover.js';
export { REAPPLY_USER_AFTER_MS, redisUserAccess, type FunctionAccess } from './function-access.js';
export { bootstrapRedisUsers, type BootstrapOutcome, type BootstrapTarget } from './redis-bootstrap.js';
export {
  fileCredentialStore,
  passwordDigest,
  secretCredentialStore,
  type CredentialStore,
} from './redis-credentials.js';
