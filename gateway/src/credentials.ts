// Comparing and reading the secrets a request presents: the admin token on `/system` and `/calls`, and a call's
// read token.
import { createHash, timingSafeEqual } from 'node:crypto';
import { parseAuthorization } from '@spool/api';

/**
 * Whether `given` equals `secret`. Both are hashed first, so the comparison takes the same time whatever their
 * lengths and however much of a guess was right.
 */
export function sameSecret(given: string, secret: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(secret).digest();
  return timingSafeEqual(a, b);
}

/** The value of an `Authorization: Bearer <value>` header; undefined for any other header. */
export function bearerToken(authorization: string | undefined): string | undefined {
  const given = parseAuthorization(authorization);
  return given.scheme === 'bearer' ? given.token : undefined;
}
