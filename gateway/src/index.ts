// @spool/gateway: the HTTP front door; createGateway() for embedding and tests, main.ts for the service.
export { createApp, type AppDeps, type FunctionScaler } from './app.js';
export {
  commandConnectionOptions,
  createGateway,
  redisScaler,
  type Gateway,
  type GatewayDeps,
} from './gateway.js';
export { redisRegistry, staticRegistry, type FunctionRegistry } from './registry.js';
export { SPOOL_ERROR_HEADER } from './http-errors.js';
export { kubeRegistry, kubeScaler } from './kube-registry.js';
export { kubeFunctionWriter, GATEWAY_FIELD_MANAGER } from './kube-function-writer.js';
export { deployedFunctionsDir, localFunctionWriter, type FunctionWriter } from './function-writer.js';
export { kubeLogReader } from './kube-logs.js';
export { localLogReader } from './local-logs.js';
export type { LogReader, LogSink } from './logs.js';
