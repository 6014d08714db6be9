import { describe, expect, test } from '@jest/globals';
import { isTracingConfigured } from './tracing.js';

describe('isTracingConfigured', () => {
  test.each([
    { name: 'nothing set', env: {}, want: false },
    { name: 'OTLP endpoint', env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, want: true },
    {
      name: 'OTLP traces endpoint',
      env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/v1/traces' },
      want: true,
    },
    { name: 'console exporter', env: { OTEL_TRACES_EXPORTER: 'console' }, want: true },
    {
      name: 'exporter none',
      env: { OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c' },
      want: false,
    },
    {
      name: 'disabled wins',
      env: { OTEL_SDK_DISABLED: 'TRUE', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c' },
      want: false,
    },
    { name: 'disabled false', env: { OTEL_SDK_DISABLED: 'false', OTEL_TRACES_EXPORTER: 'otlp' }, want: true },
    { name: 'blank endpoint', env: { OTEL_EXPORTER_OTLP_ENDPOINT: '  ' }, want: false },
  ])('$name', ({ env, want }) => {
    expect(isTracingConfigured(env)).toBe(want);
  });
});
