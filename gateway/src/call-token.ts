// Call-read tokens (issue 11 item 7): the secret an async call's 202 answers with, and the only non-admin way to
// read `/calls/ID`. A call id names a call; it no longer grants reading it.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { bearerToken } from './credentials.js';

/** 32 random bytes: as hard to guess as the admin token, short enough for a header. */
const TOKEN_BYTES = 32;

/** A new call-read token (base64url, 43 characters). */
export const newCallToken = (): string => randomBytes(TOKEN_BYTES).toString('base64url');

/** What a job stores instead of the token: its SHA-256 in hex. */
export const callTokenSha256 = (token: string): string => createHash('sha256').update(token).digest('hex');

/**
 * Whether `given` is the token whose hash is `storedSha256`, compared in constant time. Both sides are 32-byte
 * digests, so the time taken says nothing about how much of a guess was right or how long the token is.
 */
export function callTokenMatches(given: string, storedSha256: string | undefined): boolean {
  if (storedSha256 === undefined) return false;
  const presented = createHash('sha256').update(given).digest();
  const stored = Buffer.from(storedSha256, 'hex');
  return stored.length === presented.length && timingSafeEqual(presented, stored);
}

/**
 * The credential a request to `/calls/ID` presents: `X-Call-Token`, else an `Authorization: Bearer` value (which
 * may be the call's token or the admin token); undefined when there is none.
 */
export function presentedCredential(headers: {
  readonly callToken: string | undefined;
  readonly authorization: string | undefined;
}): string | undefined {
  if (headers.callToken !== undefined && headers.callToken !== '') return headers.callToken;
  const bearer = bearerToken(headers.authorization)?.trim() ?? '';
  return bearer === '' ? undefined : bearer;
}
