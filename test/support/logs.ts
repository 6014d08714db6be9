// A real logger whose JSON lines a test keeps and reads back: asserts go on what was logged, in its real format.
import { isRecord, parseJson } from '@spool/api';
import { createLogger, type Logger } from '@spool/node';

export interface CapturedLog {
  readonly log: Logger;
  /** Every line written so far, parsed: `{ level, time, component, msg, ...fields }`. */
  readonly lines: Readonly<Record<string, unknown>>[];
}

/** A line that is not one JSON object fails the test that wrote it. */
function parseLine(line: string): Readonly<Record<string, unknown>> {
  const parsed = parseJson(line);
  if (!parsed.ok || !isRecord(parsed.value)) throw new Error(`not a JSON object log line: ${line}`);
  return parsed.value;
}

export function capturedLog(component = 'test'): CapturedLog {
  const lines: Readonly<Record<string, unknown>>[] = [];
  const log = createLogger({
    component,
    destination: { write: (line) => void lines.push(parseLine(line)) },
  });
  return { log, lines };
}
