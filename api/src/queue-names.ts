// Every BullMQ queue name, Redis key and channel. Nothing else concatenates key strings.
// One function's keys share a hash tag, so its multi-key scripts stay in one Redis Cluster slot
// while different functions spread over slots.
import { decoded, refused, type Decoded } from './decode.js';
import type { FunctionRef } from './names.js';

/** BullMQ's key prefix; keys read `spool:{ns.name}:wait`, `spool:{ns.name}:active`, … */
export const KEY_PREFIX = 'spool';

/**
 * The options of every BullMQ `Queue` on a function's queue. Spool reads no BullMQ event (results travel as
 * replies and return values), and each `completed` event would keep one more copy of a result, 10,000 per
 * queue by default (300 calls of 100 KB left 28 MB there): the events stream is trimmed to nothing. Every
 * `Queue` writes this limit to the queue's meta when it starts, the last writer winning, so all share this object.
 */
export const FUNCTION_QUEUE_OPTIONS = { prefix: KEY_PREFIX, streams: { events: { maxLen: 0 } } } as const;

/** `{namespace.name}`: namespaces and names are DNS labels, so the dot cannot be ambiguous. */
export const queueName = (ref: FunctionRef): string => `{${ref.namespace}.${ref.name}}`;

/** The BullMQ lists and sorted sets whose sizes the autoscaler reads (BullMQ `QueueKeys`). */
export type QueueKeyType = 'wait' | 'prioritized' | 'active' | 'delayed' | 'completed' | 'failed';

/** A BullMQ key of one function's queue, e.g. `spool:{default.echo}:wait`, for reading counts without a Queue object. */
export const queueKey = (ref: FunctionRef, type: QueueKeyType): string =>
  `${KEY_PREFIX}:${queueName(ref)}:${type}`;

/**
 * How many calls the gateways have enqueued for one function, ever: `spool:{ns.name}:calls`, an INCR sent with each
 * enqueue. The autoscaler reads it at every tick; a counter that moved since the last tick is activity even when
 * the queue was empty at the sampling instant (a short call enqueued and finished between two ticks).
 */
export const callCounterKey = (ref: FunctionRef): string => `${KEY_PREFIX}:${queueName(ref)}:calls`;

/** A BullMQ job's hash, e.g. `spool:{default.echo}:<jobId>`, and the lock a replica holds on it while it runs. */
export const jobKey = (ref: FunctionRef, jobId: string): string => `${KEY_PREFIX}:${queueName(ref)}:${jobId}`;
export const jobLockKey = (ref: FunctionRef, jobId: string): string => `${jobKey(ref, jobId)}:lock`;
/**
 * A call's request body and result body as raw bytes, apart from the job hash (issue 14 item 2): the job records
 * only their length (`bodyStoredBytes`). Both sit under the job's own key, so they share the queue's hash tag (one
 * Redis Cluster slot) and the function user's key pattern `spool:{ns.name}:*`. Readers derive them from the call
 * they enqueued or took, never from a key name in a message.
 */
export const requestBodyKey = (ref: FunctionRef, jobId: string): string => `${jobKey(ref, jobId)}:body`;
export const resultBodyKey = (ref: FunctionRef, jobId: string): string => `${jobKey(ref, jobId)}:result`;
/**
 * The async results kept apart that a function retains, bounded in bytes by its `spec.async.retainBytes`: a sorted
 * set of result keys by expiry time, and a hash of each one's bytes with their `total`. Only the function's
 * watchdogs write them (node `storeRetainedBody`), inside the function user's key pattern.
 */
export const retainedResultsKey = (ref: FunctionRef): string => `${KEY_PREFIX}:${queueName(ref)}:retained`;
export const retainedBytesKey = (ref: FunctionRef): string =>
  `${KEY_PREFIX}:${queueName(ref)}:retained-bytes`;
/** Set by the gateway on a call it answered 503 at enqueue: a replica that takes the job anyway must not run it. */
export const withdrawnKey = (ref: FunctionRef, jobId: string): string => `${jobKey(ref, jobId)}:withdrawn`;

/** Callback deliveries for async calls: one queue for all functions, drained by the gateways. */
export const CALLBACK_QUEUE = '{callbacks}';

/** Hash of `namespace/name` → JSON `ReplicaStatus`, written by the controller, read by gateways. */
export const REPLICA_STATUS_KEY = `${KEY_PREFIX}:replica-status`;

/** Hash of `namespace/name` → JSON `ResolvedFunction`: the local registry, published by the controller. */
export const LOCAL_FUNCTIONS_KEY = `${KEY_PREFIX}:functions`;

/** Hash of `namespace/name` → JSON `FunctionStatus`: local mode's status, written by the controller's reconcile. */
export const FUNCTION_STATUS_KEY = `${KEY_PREFIX}:function-status`;

export const channels = {
  /** A function in LOCAL_FUNCTIONS_KEY was added, changed or removed; payload: its key. */
  functions: `${KEY_PREFIX}:events:functions`,
  /** A function's status in FUNCTION_STATUS_KEY was written or removed (local mode); payload: its key. */
  functionStatus: `${KEY_PREFIX}:events:function-status`,
  /** The gateway enqueued for a function it believes is at zero replicas: scale now, not at the next poll. */
  wake: `${KEY_PREFIX}:events:wake`,
  /** The controller changed a function's replicas; payload `ReplicaStatus`. */
  scaled: `${KEY_PREFIX}:events:scaled`,
  /** An operator asked for a replica count through /system/scale-function. */
  scaleRequest: `${KEY_PREFIX}:events:scale-request`,
} as const;

/**
 * @deprecated The unscoped reply channel: any function allowed to publish on it can answer any call. Replaced by
 * `functionReplyChannel`; kept until the gateway invoker subscribes to `gatewayReplyPattern` (issue 11, item 1).
 */
export const replyChannel = (gatewayId: string): string => `${KEY_PREFIX}:reply:${gatewayId}`;

/** Gateway ids are a host name and a random suffix: letters, digits, `.`, `_` and `-`. */
const replyChannelPattern = new RegExp(`^${KEY_PREFIX}:reply:[A-Za-z0-9._-]{1,200}$`);

/**
 * Whether `channel` is some gateway's reply channel, unscoped (`replyChannel`) or function-scoped
 * (`functionReplyChannel`): the only places a watchdog may publish a result.
 */
export const isReplyChannel = (channel: string): boolean =>
  replyChannelPattern.test(channel) || parseReplyChannel(channel).ok;

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
const REPLY_PREFIX = `${KEY_PREFIX}:reply:`;

/**
 * Where the watchdog of `ref` publishes the reply to a call enqueued by gateway `gatewayId`:
 * `spool:reply:{ns.name}:<gatewayId>`. The function's scope comes first, so its Redis user may publish on
 * `spool:reply:{ns.name}:*` (see `functionReplyScope`) and on no other function's replies (issue 11, item 1).
 */
export const functionReplyChannel = (ref: FunctionRef, gatewayId: string): string =>
  `${REPLY_PREFIX}${queueName(ref)}:${gatewayId}`;

/**
 * The one pattern a gateway PSUBSCRIBEs for the replies of every function: its cost does not grow with the number
 * of functions. Gateway ids are `hostname-uuid8` (no glob characters); see `parseReplyChannel` for the check that a
 * reply arrived on its call's function scope.
 */
export const gatewayReplyPattern = (gatewayId: string): string => `${REPLY_PREFIX}*:${gatewayId}`;

/** The reply channels a function's watchdog may publish on, as a Redis glob (`&` rule of its ACL user). */
export const functionReplyScope = (ref: FunctionRef): string =>
  `${REPLY_PREFIX}${escapeGlob(queueName(ref))}:*`;

/** The function scope and gateway a reply channel names. */
export interface ReplyChannel {
  readonly ref: FunctionRef;
  readonly gatewayId: string;
}

/**
 * Decodes a channel name built by `functionReplyChannel`. The gateway accepts a reply only when `ref` equals the
 * function of the call it answers: the channel is the one field of a reply a function cannot forge, because Redis
 * ACL checks it at PUBLISH.
 */
export function parseReplyChannel(channel: string): Decoded<ReplyChannel> {
  if (!channel.startsWith(`${REPLY_PREFIX}{`)) return refused(`not a reply channel: "${channel}"`);
  const close = channel.indexOf('}:', REPLY_PREFIX.length);
  if (close < 0) return refused(`reply channel without a function scope: "${channel}"`);
  const scope = channel.slice(REPLY_PREFIX.length + 1, close);
  const gatewayId = channel.slice(close + 2);
  const parts = scope.split('.');
  if (parts.length !== 2 || !parts.every(isDnsLabel))
    return refused(`reply channel scope is not {namespace.name}: "${channel}"`);
  if (gatewayId.length === 0 || !/^[A-Za-z0-9._-]+$/.test(gatewayId))
    return refused(`reply channel names no valid gateway: "${channel}"`);
  const [namespace, name] = parts as [string, string];
  return decoded({ ref: { namespace, name }, gatewayId });
}

const isDnsLabel = (s: string): boolean => /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(s) && s.length <= 63;

/** Escapes Redis glob metacharacters (`* ? [ ] \`), so a name is matched literally inside an ACL pattern. */
export const escapeGlob = (literal: string): string => literal.replace(/[*?[\]\\]/g, '\\$&');

/**
 * The callback outbox of one function: a list inside its own keyspace where its watchdog pushes the callback of an
 * ended async call, so the function's Redis user needs no right on the shared callback queue (docs/security.md,
 * "Redis isolation"). Entries are JSON `CallbackJob`s, untrusted: the mover decodes each one.
 */
export const callbackOutboxKey = (ref: FunctionRef): string => `${KEY_PREFIX}:${queueName(ref)}:outbox`;

/** Published by a watchdog after it pushed to its outbox, so the mover drains it now, not at its next sweep. */
export const callbackOutboxChannel = (ref: FunctionRef): string => `${KEY_PREFIX}:outbox:${queueName(ref)}`;

/** The one pattern the mover PSUBSCRIBEs for every function's outbox notices. */
export const CALLBACK_OUTBOX_PATTERN = `${KEY_PREFIX}:outbox:*`;

/** The function an outbox notice names; anyone may publish on the pattern's channels only through ACL. */
export function parseCallbackOutboxChannel(channel: string): Decoded<FunctionRef> {
  const prefix = `${KEY_PREFIX}:outbox:`;
  const match = channel.startsWith(prefix)
    ? /^\{([^.{}]+)\.([^.{}]+)\}$/.exec(channel.slice(prefix.length))
    : null;
  const [namespace, name] = [match?.[1] ?? '', match?.[2] ?? ''];
  return isDnsLabel(namespace) && isDnsLabel(name)
    ? decoded({ namespace, name })
    : refused(`not an outbox notice channel: "${channel}"`);
}

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

/**
 * The gateway's check on every reply it receives: the channel it arrived on (which Redis ACL lets only the
 * function's own watchdog publish on) names the same function as the call id it answers. Returns that function,
 * or why the reply is to be dropped. A watchdog can therefore forge replies only for its own function's calls.
 */
export function checkReplyScope(channel: string, replyCallId: string): Decoded<FunctionRef> {
  const scope = parseReplyChannel(channel);
  if (!scope.ok) return scope;
  const call = parseCallId(replyCallId);
  if (call === undefined) return refused(`reply names no valid call id: "${replyCallId}"`);
  const same = call.ref.namespace === scope.value.ref.namespace && call.ref.name === scope.value.ref.name;
  return same
    ? decoded(call.ref)
    : refused(
        `reply for ${call.ref.namespace}/${call.ref.name} arrived on the scope of another function: "${channel}"`,
      );
}
