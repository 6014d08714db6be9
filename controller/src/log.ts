// The controller logs through the shared logger (@spool/node): one JSON line per decision or failure, with time,
// level and component. `Log` and `silentLog` are the names controller modules use for it.
export { createLogger, silentLogger as silentLog, type LogFields, type Logger as Log } from '@spool/node';

export const errorMessage = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);
