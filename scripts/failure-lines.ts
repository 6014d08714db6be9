// The launcher's one line per failing function: which functions /system/functions calls broken, printed once per
// new reason (issue 12 item 3). Pure: the launcher polls and prints, these functions decide.
import { decodeFunctionStatus, isRecord, unavailableReason, type Decoded } from '@spool/api';

export interface ListedFunction {
  /** `namespace/name`. */
  readonly key: string;
  /** The reason no replica can serve (api `unavailableReason`), undefined when serving, idle or starting. */
  readonly broken: string | undefined;
}

/** `/system/functions` as the launcher reads it; an entry that does not decode is skipped, not fatal. */
export function decodeListedFunctions(body: unknown): Decoded<ListedFunction[]> {
  if (!Array.isArray(body)) return { ok: false, error: '/system/functions did not answer a list' };
  const listed: ListedFunction[] = [];
  for (const item of body as unknown[]) {
    if (!isRecord(item) || typeof item['name'] !== 'string' || typeof item['namespace'] !== 'string')
      continue;
    const status = decodeFunctionStatus({ conditions: item['conditions'] ?? [] });
    if (!status.ok) continue;
    listed.push({ key: `${item['namespace']}/${item['name']}`, broken: unavailableReason(status.value) });
  }
  return { ok: true, value: listed };
}

/** Long stderr tails stay one terminal line. */
const LINE_CHARS = 300;

const oneLine = (text: string): string => {
  const flat = text.replace(/\s*\n\s*/g, ' | ');
  return flat.length <= LINE_CHARS ? flat : `${flat.slice(0, LINE_CHARS - 1)}…`;
};

export interface FailureLines {
  readonly lines: string[];
  /** What was last printed per function: the state to pass in next time. */
  readonly printed: ReadonlyMap<string, string>;
}

/**
 * A line for each function newly broken or broken for a new reason; a function that recovers is forgotten, so
 * breaking again prints again. The same reason is never printed twice in a row.
 */
export function decideFailureLines(
  printed: ReadonlyMap<string, string>,
  functions: readonly ListedFunction[],
): FailureLines {
  const next = new Map<string, string>();
  const lines: string[] = [];
  for (const fn of functions) {
    if (fn.broken === undefined) continue;
    next.set(fn.key, fn.broken);
    if (printed.get(fn.key) !== fn.broken) lines.push(`function ${fn.key} is failing: ${oneLine(fn.broken)}`);
  }
  return { lines, printed: next };
}
