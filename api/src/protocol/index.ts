// The call protocol: a builder and a checked decoder for every message that crosses Redis or HTTP.
export * from './callback.js';
export * from './failure-reason.js';
export * from './fields.js';
export * from './invocation.js';
export * from './registry.js';
export * from './replicas.js';
export * from './drop-log.js';
export * from './readiness.js';
