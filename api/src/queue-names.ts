// Every BullMQ queue name, Redis key and channel. Nothing else concatenates key strings.
// One function's keys share a hash tag, so its multi-key scripts stay in one Redis Cluster slot
// while different functions spread over slots.
import type { FunctionRef } from './names.js';

/** BullMQ's key prefix; keys read `spool:{ns.name}:wait`, `spool:{ns.name}:active`, … */
export const KEY_PREFIX = 'spool';

/** `{namespace.name}`: namespaces and names are DNS labels, so the dot cannot be ambiguous. */
export const queueName = (ref: FunctionRef): string => `{${ref.namespace}.${ref.name}}`;

/** The BullMQ lists and sorted sets whose sizes the autoscaler reads (BullMQ `QueueKeys`). */
export type QueueKeyType = 'wait' | 'prioritized' | 'active' | 'delayed';

/** A BullMQ key of one function's queue, e.g. `spool:{default.echo}:wait`, for reading counts without a Queue object. */
export const queueKey = (ref: FunctionRef, type: QueueKeyType): string =>
  `${KEY_PREFIX}:${queueName(ref)}:${type}`;

/** Callback deliveries for async calls: one queue for all functions, drained by the gateways. */
export const CALLBACK_QUEUE = '{callbacks}';

/** Hash of `namespace/name` → JSON `ReplicaStatus`, written by the controller, read by gateways. */
export const REPLICA_STATUS_KEY = `${KEY_PREFIX}:replica-status`;

/** Hash of `namespace/name` → JSON `ResolvedFunction`: the local registry, published by the controller. */
export const LOCAL_FUNCTIONS_KEY = `${KEY_PREFIX}:functions`;

export const channels = {
  /** A function in LOCAL_FUNCTIONS_KEY was added, changed or removed; payload: its key. */
  functions: `${KEY_PREFIX}:events:functions`,
  /** The gateway enqueued for a function it believes is at zero replicas: scale now, not at the next poll. */
  wake: `${KEY_PREFIX}:events:wake`,
  /** The controller changed a function's replicas; payload `ReplicaStatus`. */
  scaled: `${KEY_PREFIX}:events:scaled`,
  /** An operator asked for a replica count through /system/scale-function. */
  scaleRequest: `${KEY_PREFIX}:events:scale-request`,
} as const;

/** Each gateway replica listens on one reply channel for every function: its cost does not grow with functions. */
export const replyChannel = (gatewayId: string): string => `${KEY_PREFIX}:reply:${gatewayId}`;

/** Gateway ids are a host name and a random suffix: letters, digits, `.`, `_` and `-`. */
const replyChannelPattern = new RegExp(`^${KEY_PREFIX}:reply:[A-Za-z0-9._-]{1,200}$`);

/** Whether `channel` is some gateway's reply channel: the only place a watchdog may publish a result. */
export const isReplyChannel = (channel: string): boolean => replyChannelPattern.test(channel);

/** DNS-1123 label: a namespace. */
const namespacePattern = '[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?';
/** A function name (FUNCTION_NAME_PATTERN in function.ts, without anchors). */
const namePattern = '[a-z](?:[-a-z0-9]{0,58}[a-z0-9])?';
const uuidPattern = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

/** `namespace/name`, as `functionKey` writes it. */
export const FUNCTION_KEY_PATTERN = new RegExp(`^${namespacePattern}/${namePattern}$`);
/** `namespace.name.uuid`, as `callId` writes it with the gateway's `randomUUID()` job ids. */
export const CALL_ID_PATTERN = new RegExp(
  `^(?<namespace>${namespacePattern})\\.(?<name>${namePattern})\\.(?<jobId>${uuidPattern})$`,
);

/**
 * A call id names its function, so `/calls/ID` finds the queue without an index:
 * `namespace.name.jobId`. Job ids are UUIDs (no dots).
 */
export const callId = (ref: FunctionRef, jobId: string): string => `${ref.namespace}.${ref.name}.${jobId}`;

/** The function and job of a call id, or undefined when `id` is not of the `namespace.name.uuid` form. */
export function parseCallId(id: string): { ref: FunctionRef; jobId: string } | undefined {
  // 63 + 60 + 36 characters and two dots at most: longer input is refused before the expression runs.
  const match = id.length <= 161 ? CALL_ID_PATTERN.exec(id) : null;
  const { namespace, name, jobId } = match?.groups ?? {};
  if (namespace === undefined || name === undefined || jobId === undefined) return undefined;
  return { ref: { namespace, name }, jobId };
}
