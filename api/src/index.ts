// @spool/api: the contract every Spool component shares. Pure: no I/O, no clients, no timers.
export * from './address.js';
export * from './callback-policy.js';
export * from './config.js';
export * from './decode.js';
export * from './errors.js';
export * from './function.js';
export * from './function-schema.js';
export * from './job.js';
export * from './names.js';
export * from './protocol/index.js';
export * from './queue-names.js';
export { validate, withDefaults, toOpenApi, type Problem, type Schema } from './schema.js';
export { errorsMarkdown, functionReferenceMarkdown } from './reference-doc.js';
export { CRD_NAME, functionCrd } from './crd.js';
export * from './redis-acl.js';
export * from './callback-outbox.js';
