// Bodies kept apart from their jobs (issue 14 item 2): written and read as raw bytes, one list of chunks per key
// (api `bodyChunks` says why a list). The key names come from api `requestBodyKey`/`resultBodyKey`.
import { bodyChunks, checkStoredBody, type Decoded } from '@spool/api';
import type { Redis } from './redis.js';

/**
 * Replaces the key's chunks and sets its TTL in one script, so a key never exists without its TTL and a reader
 * never sees half a body. EVAL, not MULTI: every Spool user may run scripts (BullMQ needs them), and Redis checks
 * the key against the user's patterns inside the script too.
 */
const STORE_BODY = `redis.call('DEL', KEYS[1])
redis.call('RPUSH', KEYS[1], unpack(ARGV, 2))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1`;

/** Stores a body (more than `BODY_INLINE_MAX_BYTES`, so at least one chunk) under `key` for `ttlMs`. */
export async function storeBody(redis: Redis, key: string, body: Buffer, ttlMs: number): Promise<void> {
  await redis.eval(STORE_BODY, 1, key, String(ttlMs), ...bodyChunks(body));
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
