// One structured logger for every service: a JSON line per event with its time, level and component, so a log
// pipeline can filter the gateway, the controller and each watchdog by the same fields.
import { pino, type DestinationStream } from 'pino';

export type LogFields = Readonly<Record<string, unknown>>;

/** `msg` names the event (`replica-died`, `gateway listening`); `fields` are its facts, spread into the line. */
export interface Logger {
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger whose every line also carries `fields`. */
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  /** `gateway`, `controller`, `watchdog`: the `component` field of every line. */
  readonly component: string;
  /** File descriptor 1 (stdout, the default) or 2, or any sink of whole lines (tests). */
  readonly destination?: 1 | 2 | { write(line: string): void };
  /** Lines below this level are dropped. @defaultValue 'info' */
  readonly level?: 'info' | 'warn' | 'error';
}

/** An error and its causes on one line: `outer: inner: innermost`. */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  while (current !== undefined && parts.length < 5) {
    parts.push(current instanceof Error ? current.message : JSON.stringify(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(': ');
}

/** Error values become their described chain: JSON would print an Error as `{}`. */
const described = (fields: LogFields | undefined): Record<string, unknown> =>
  Object.fromEntries(
    Object.entries(fields ?? {}).map(([k, v]) => [k, v instanceof Error ? describeError(v) : v]),
  );

function wrap(log: pino.Logger): Logger {
  return {
    info: (msg, fields) => log.info(described(fields), msg),
    warn: (msg, fields) => log.warn(described(fields), msg),
    error: (msg, fields) => log.error(described(fields), msg),
    child: (fields) => wrap(log.child(described(fields))),
  };
}

/**
 * `{"level":"info","time":"2026-01-02T03:04:05.678Z","component":"controller",...fields,"msg":"scaled"}`.
 * Writes are synchronous, so the last lines before an exit are not lost.
 */
export function createLogger(options: LoggerOptions): Logger {
  const { destination = 1 } = options;
  const stream: DestinationStream =
    typeof destination === 'number' ? pino.destination({ fd: destination, sync: true }) : destination;
  return wrap(
    pino(
      {
        level: options.level ?? 'info',
        base: { component: options.component },
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ level: label }) },
      },
      stream,
    ),
  );
}

/** Discards everything: for tests that assert on state, not on log lines. */
export const silentLogger: Logger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};
