import { expect, test } from '@jest/globals';
import { lintMetrics } from './metrics-lint.js';

const family = (name: string, type: string, sample = `${name} 1`, help = 'Help.'): string =>
  `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${sample}\n`;

test.each([
  { name: 'a good counter', text: family('calls_total', 'counter'), want: [] },
  {
    name: 'a good histogram and its series',
    text: family(
      'call_seconds',
      'histogram',
      'call_seconds_bucket{le="1",code="200"} 1\ncall_seconds_sum{code="200"} 0.5\ncall_seconds_count{code="200"} 1',
    ),
    want: [],
  },
  {
    name: 'counter without _total',
    text: family('calls', 'counter'),
    want: ['counter metrics should have "_total" suffix'],
  },
  {
    name: 'gauge with _total',
    text: family('depth_total', 'gauge'),
    want: ['non-counter metrics should not have "_total" suffix'],
  },
  {
    name: 'gauge named _count',
    text: family('service_count', 'gauge'),
    want: ['non-histogram and non-summary metrics should not have "_count", "_sum" or "_bucket" suffixes'],
  },
  {
    name: 'camelCase',
    text: family('callCount_total', 'counter', 'callCount_total 1'),
    want: ['metric names should be written in snake_case'],
  },
  {
    name: 'milliseconds',
    text: family('wait_milliseconds', 'gauge'),
    want: ['use base unit "seconds" instead of "milliseconds"'],
  },
  { name: 'no help', text: family('depth', 'gauge', 'depth 1', ''), want: ['no help text'] },
  {
    name: 'type in the name',
    text: family('depth_gauge', 'gauge'),
    want: ['metric names should not include the metric type'],
  },
  {
    name: 'camelCase label',
    text: family('calls_total', 'counter', 'calls_total{statusCode="200"} 1'),
    want: ['label names should be written in snake_case, not "statusCode"'],
  },
])('$name', ({ text, want }) => {
  expect(lintMetrics(text).map((p) => p.problem)).toEqual(want);
});
