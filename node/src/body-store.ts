// Bodies kept apart from their jobs (issue 14 item 2): written and read as raw bytes, one list of chunks per key
// (api `bodyChunks` says why a list). The key names come from api `requestBodyKey`/`resultBodyKey`.
import {
  bodyChunks,
  checkStoredBody,
  resultBodyKey,
  retainedBytesKey,
  retainedResultsKey,
  type Decoded,
  type FunctionRef,
} from '@spool/api';
import type { Redis } from './redis.js';

/**
 * Replaces the chunks of KEYS[1] with ARGV[first...] and sets its TTL to ARGV[1] milliseconds, inside one script,
 * so a key never exists without its TTL and a reader never sees half a body. EVAL, not MULTI: every Spool user may
 * run scripts (BullMQ needs them), and Redis checks the key against the user's patterns inside the script too.
 */
const replaceChunks = (first: number): string => `redis.call('DEL', KEYS[1])
redis.call('RPUSH', KEYS[1], unpack(ARGV, ${first}))
redis.call('PEXPIRE', KEYS[1], ARGV[1])`;

const STORE_BODY = `${replaceChunks(2)}
return 1`;

/** Stores a body (more than `BODY_INLINE_MAX_BYTES`, so at least one chunk) under `key` for `ttlMs`. */
export async function storeBody(redis: Redis, key: string, body: Buffer, ttlMs: number): Promise<void> {
  await redis.eval(STORE_BODY, 1, key, String(ttlMs), ...bodyChunks(body));
}

/**
 * STORE_BODY (chunks from ARGV[4]), and the body joins the function's retained results (api `retainedResultsKey`,
 * `retainedBytesKey`): entries past their expiry are forgotten, then the oldest results are deleted until the new
 * one fits the budget. `total` is kept beside the sizes rather than summed, so a store stays O(evicted) with a
 * budget of gigabytes.
 * The new one is always kept, so what is retained stays within the budget plus one result. The deleted keys are
 * not in KEYS; they are results of the same function, under its hash tag (one Cluster slot) and its user's pattern.
 * Expiry is dated by Redis's clock, so replicas' clocks never disagree about it. A size that is not a number (the
 * function's own code can write these keys) counts as 0: it can only spoil its own function's account.
 */
const STORE_RETAINED_BODY = `local index, sizes = KEYS[2], KEYS[3]
local ttl, budget, bytes = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local total = tonumber(redis.call('HGET', sizes, 'total')) or 0
local function forget(key)
  total = total - (tonumber(redis.call('HGET', sizes, key)) or 0)
  redis.call('HDEL', sizes, key)
  redis.call('ZREM', index, key)
end
for _, key in ipairs(redis.call('ZRANGEBYSCORE', index, '-inf', now)) do forget(key) end
forget(KEYS[1])
while total + bytes > budget do
  local oldest = redis.call('ZRANGE', index, 0, 0)[1]
  if not oldest then break end
  redis.call('DEL', oldest)
  forget(oldest)
end
${replaceChunks(4)}
redis.call('ZADD', index, now + ttl, KEYS[1])
redis.call('HSET', sizes, KEYS[1], bytes, 'total', total + bytes)
for _, key in ipairs({index, sizes}) do
  if redis.call('PTTL', key) < ttl then redis.call('PEXPIRE', key, ttl) end
end
return total + bytes`;

/**
 * Stores an async call's result body under its `resultBodyKey` for `ttlMs`, within its function's retention budget
 * (`spec.async.retainBytes`), deleting the function's oldest retained results to make room. Resolves to the bytes
 * the function retains afterwards.
 */
export async function storeRetainedBody(
  redis: Redis,
  { ref, jobId }: { readonly ref: FunctionRef; readonly jobId: string },
  body: Buffer,
  { ttlMs, budgetBytes }: { readonly ttlMs: number; readonly budgetBytes: number },
): Promise<number> {
  const keys = [resultBodyKey(ref, jobId), retainedResultsKey(ref), retainedBytesKey(ref)];
  const args = [String(ttlMs), String(budgetBytes), String(body.length)];
  return Number(await redis.eval(STORE_RETAINED_BODY, keys.length, ...keys, ...args, ...bodyChunks(body)));
}

/** The body under `key`, or null when the key is gone (expired or deleted). Its length is the caller's to check. */
export async function readStoredBody(redis: Redis, key: string): Promise<Buffer | null> {
  const chunks = await redis.lrangeBuffer(key, 0, -1);
  return chunks.length === 0 ? null : Buffer.concat(chunks);
}

/**
 * The body under `key`, checked against the length its job or result recorded (api `checkStoredBody`): what every
 * reader of a body kept apart needs, so none runs or answers with a missing or partial one. Rejects when Redis
 * fails; `what` names the body in the refusal.
 */
export async function readCheckedBody(
  redis: Redis,
  key: string,
  expectedBytes: number,
  what: string,
): Promise<Decoded<Buffer>> {
  return checkStoredBody(await readStoredBody(redis, key), expectedBytes, what);
}
