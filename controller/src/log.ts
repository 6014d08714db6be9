// The controller logs through the shared logger (@spool/node): one JSON line per decision or failure, with time,
// level and component. `Log` and `silentLog` are the names controller modules use for it.
export { createLogger, silentLogger as silentLog, type LogFields, type Logger as Log } from '@spool/node';

/** The message and those of its causes (`writing Secret x: HTTP-Code: 409 ...`): the context alone says no why. */
export function errorMessage(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e !== undefined && depth < 4; depth++) {
    parts.push(e instanceof Error ? e.message : typeof e === 'string' ? e : JSON.stringify(e));
    e = e instanceof Error ? e.cause : undefined;
  }
  return parts.join(': ');
}
