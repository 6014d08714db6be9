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
    if (meta) readMeta(family(meta[2] ?? ''), meta[1], meta[3] ?? '');
    else readSample(line, families, family);
  }
  return families;
}

function readMeta(f: Family, kind: string | undefined, rest: string): void {
  if (kind === 'HELP') f.help = rest;
  else f.type = rest;
}

function readSample(
  line: string,
  families: ReadonlyMap<string, Family>,
  family: (name: string) => Family,
): void {
  const sample = SAMPLE.exec(line);
  if (!sample) return;
  const name = sample[1] ?? '';
  const owner = familyOf(name, families) ?? family(name);
  for (const label of (sample[3] ?? '').matchAll(LABEL)) owner.labels.add(label[1] ?? '');
}

const isHistogramLike = (f: Family): boolean => f.type === 'histogram' || f.type === 'summary';

/** promlint's naming rules: each holds of a family, or its problem is reported. */
const NAME_RULES: readonly { readonly holds: (f: Family) => boolean; readonly problem: string }[] = [
  { holds: (f) => SNAKE_CASE.test(f.name), problem: 'metric names should be written in snake_case' },
  {
    holds: (f) => !f.name.includes(':'),
    problem: 'metric names should not contain colons (recording rules only)',
  },
  {
    holds: (f) => f.type !== 'counter' || f.name.endsWith('_total'),
    problem: 'counter metrics should have "_total" suffix',
  },
  {
    holds: (f) => f.type === 'counter' || !f.name.endsWith('_total'),
    problem: 'non-counter metrics should not have "_total" suffix',
  },
  {
    holds: (f) => isHistogramLike(f) || !/_(count|sum|bucket)$/.test(f.name),
    problem: 'non-histogram and non-summary metrics should not have "_count", "_sum" or "_bucket" suffixes',
  },
  {
    holds: (f) => !/_(gauge|counter|histogram|summary)(_|$)/.test(f.name),
    problem: 'metric names should not include the metric type',
  },
];

function nameProblems(f: Family): string[] {
  const problems = NAME_RULES.filter((rule) => !rule.holds(f)).map((rule) => rule.problem);
  for (const word of f.name.split('_')) {
    const base = NON_BASE_UNITS[word];
    if (base !== undefined && base !== word) problems.push(`use base unit "${base}" instead of "${word}"`);
  }
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
