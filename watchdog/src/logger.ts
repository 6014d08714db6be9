// One JSON line per event on stderr, so that pod logs stay machine-readable next to the user process's own output.

export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  info(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

function line(level: string, message: string, fields: LogFields | undefined): string {
  const safe = Object.fromEntries(
    Object.entries(fields ?? {}).map(([k, v]) => [k, v instanceof Error ? describeError(v) : v]),
  );
  return `${JSON.stringify({ level, component: 'watchdog', message, ...safe })}\n`;
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

export const stderrLogger: Logger = {
  info: (message, fields) => process.stderr.write(line('info', message, fields)),
  error: (message, fields) => process.stderr.write(line('error', message, fields)),
};

export const silentLogger: Logger = { info: () => undefined, error: () => undefined };
