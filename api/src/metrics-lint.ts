// The checks `promtool check metrics` makes of an exposition (client_golang's promlint), as a pure function, so
// every service's /metrics is held to them in the unit tests. promtool itself is not built in CI: the prometheus
// module pulls hundreds of dependencies, many minutes on two cores, for a page of rules.
export interface MetricProblem {
  readonly metric: string;
  readonly problem: string;
}

/** Metric families OpenFaaS named before the conventions, kept so its dashboards and alerts work (openfaas.md). */
export const OPENFAAS_HISTORIC_NAMES: ReadonlySet<string> = new Set([
  'gateway_function_invocation_started',
  'gateway_service_count',
]);

interface Family {
  readonly name: string;
  type?: string;
  help?: string;
  readonly labels: Set<string>;
}

const SNAKE_CASE = /^[a-z_][a-z0-9_]*$/;
/** promlint's non-base units, with the base unit it asks for. */
const NON_BASE_UNITS: Readonly<Record<string, string>> = {
  milliseconds: 'seconds',
  microseconds: 'seconds',
  nanoseconds: 'seconds',
  minutes: 'seconds',
  hours: 'seconds',
  days: 'seconds',
  weeks: 'seconds',
  kilobytes: 'bytes',
  megabytes: 'bytes',
  gigabytes: 'bytes',
  kibibytes: 'bytes',
  mebibytes: 'bytes',
  celsius: 'celsius',
  fahrenheit: 'celsius',
  percent: 'ratio',
};
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})?\s/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="/g;

/** The family a sample line belongs to: a histogram's `_bucket`, `_sum` and `_count` are its own. */
function familyOf(sample: string, families: ReadonlyMap<string, Family>): Family | undefined {
  for (const suffix of ['_bucket', '_sum', '_count', '']) {
    if (!sample.endsWith(suffix)) continue;
    const family = families.get(sample.slice(0, sample.length - suffix.length));
    if (family && (suffix === '' || family.type === 'histogram' || family.type === 'summary')) return family;
  }
  return undefined;
}

function parse(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const family = (name: string): Family => {
    let found = families.get(name);
    if (!found) families.set(name, (found = { name, labels: new Set() }));
    return found;
  };
  for (const line of text.split('\n')) {
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (meta) {
      const [, kind, name = '', rest = ''] = meta;
      if (kind === 'HELP') family(name).help = rest;
      else family(name).type = rest;
      continue;
    }
    const sample = SAMPLE.exec(line);
    if (!sample) continue;
    const owner = familyOf(sample[1] ?? '', families) ?? family(sample[1] ?? '');
    for (const label of (sample[3] ?? '').matchAll(LABEL)) owner.labels.add(label[1] ?? '');
  }
  return families;
}

function nameProblems(f: Family): string[] {
  const problems: string[] = [];
  if (!SNAKE_CASE.test(f.name)) problems.push('metric names should be written in snake_case');
  if (f.name.includes(':')) problems.push('metric names should not contain colons (recording rules only)');
  if (f.type === 'counter' && !f.name.endsWith('_total'))
    problems.push('counter metrics should have "_total" suffix');
  if (f.type !== 'counter' && f.name.endsWith('_total'))
    problems.push('non-counter metrics should not have "_total" suffix');
  if (f.type !== 'histogram' && f.type !== 'summary' && /_(count|sum|bucket)$/.test(f.name))
    problems.push(
      'non-histogram and non-summary metrics should not have "_count", "_sum" or "_bucket" suffixes',
    );
  for (const word of f.name.split('_')) {
    const base = NON_BASE_UNITS[word];
    if (base !== undefined && base !== word) problems.push(`use base unit "${base}" instead of "${word}"`);
  }
  if (/_(gauge|counter|histogram|summary)(_|$)/.test(f.name))
    problems.push('metric names should not include the metric type');
  return problems;
}

function familyProblems(f: Family): string[] {
  const problems = nameProblems(f);
  if (f.help === undefined || f.help === '') problems.push('no help text');
  if (f.type === undefined) problems.push('no type');
  for (const label of f.labels)
    if (!SNAKE_CASE.test(label)) problems.push(`label names should be written in snake_case, not "${label}"`);
  return problems;
}

/** Every promlint problem of an exposition in the text format, by metric family. */
export function lintMetrics(text: string): MetricProblem[] {
  return [...parse(text).values()].flatMap((f) =>
    familyProblems(f).map((problem) => ({ metric: f.name, problem })),
  );
}

/**
 * Gauges prom-client's default metrics name like counters. Each is the sum over its unsuffixed twin's `type`
 * label (`nodejs_active_handles{type}`), so the services drop them rather than break the checks above.
 */
export const MISNAMED_DEFAULT_METRICS: readonly string[] = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];
