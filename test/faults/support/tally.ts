// Counting a fault scenario as Jepsen counts writes (style rule 17): what was sent, answered, lost, duplicated.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';

export interface Answer {
  readonly id: string;
  /** HTTP status, or 0 when the request itself failed (connection refused or reset). */
  readonly status: number;
  readonly code: string | undefined;
  readonly ms: number;
}

/** One call through the gateway; never throws, a failed request is status 0. */
export async function call(url: string, id: string, timeoutMs = 30_000): Promise<Answer> {
  const started = Date.now();
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const body = await response.text();
    const code = response.headers.get('x-spool-error') ?? undefined;
    return {
      id,
      status: response.status,
      code: code ?? (response.ok ? undefined : body.slice(0, 80)),
      ms: Date.now() - started,
    };
  } catch {
    return { id, status: 0, code: 'no answer', ms: Date.now() - started };
  }
}

/** How many times each id ran, from the count function's log. */
export function executions(logPath: string): Map<string, number> {
  const runs = new Map<string, number>();
  if (!existsSync(logPath)) return runs;
  for (const id of readFileSync(logPath, 'utf8').split('\n').filter(Boolean))
    runs.set(id, (runs.get(id) ?? 0) + 1);
  return runs;
}

export interface Tally {
  readonly sent: number;
  readonly answered: number;
  readonly lost: number;
  readonly duplicated: number;
}

/** `answered`: got an HTTP answer; `lost`: none; `duplicated`: ids that ran more than once. */
export function tally(answers: readonly Answer[], runs: ReadonlyMap<string, number>): Tally {
  const answered = answers.filter((a) => a.status !== 0).length;
  const duplicated = answers.filter((a) => (runs.get(a.id) ?? 0) > 1).length;
  return { sent: answers.length, answered, lost: answers.length - answered, duplicated };
}

/**
 * Each scenario's figures as one JSON line `{"scenario", ...figures}` on stdout; `FAULTS_REPORT=file` also appends
 * it to that file, which docs/reliability.md's table is made from.
 */
export function report(scenario: string, figures: object): void {
  const line = JSON.stringify({ scenario, ...figures });
  process.stdout.write(`${line}\n`);
  const file = process.env['FAULTS_REPORT'];
  if (file !== undefined && file !== '') appendFileSync(file, `${line}\n`);
}
