// The watchdog logs through the shared logger (@spool/node) on stderr, so pod logs stay machine-readable next
// to the user process's own output.
import { createLogger, type Logger } from '@spool/node';

export { describeError, silentLogger, type LogFields, type Logger } from '@spool/node';

export const stderrLogger: Logger = createLogger({ component: 'watchdog', destination: 2 });
