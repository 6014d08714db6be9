// OpenTelemetry SDK start-up for main.ts; library code uses only @opentelemetry/api, which is a no-op without it.
import type { EnvMap } from './process-group.js';

const present = (env: EnvMap, key: string): string | undefined => {
  const value = env[key]?.trim();
  return value === undefined || value === '' ? undefined : value;
};

/**
 * The SDK starts only when told where spans go (OTEL_TRACES_EXPORTER other than `none`, or an OTLP endpoint)
 * and OTEL_SDK_DISABLED is not `true`; otherwise it would retry exports to localhost:4318 forever.
 */
export function isTracingConfigured(env: EnvMap): boolean {
  if (present(env, 'OTEL_SDK_DISABLED')?.toLowerCase() === 'true') return false;
  const exporter = present(env, 'OTEL_TRACES_EXPORTER');
  if (exporter !== undefined) return exporter.toLowerCase() !== 'none';
  return (
    present(env, 'OTEL_EXPORTER_OTLP_ENDPOINT') !== undefined ||
    present(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') !== undefined
  );
}

/** Starts the SDK configured by the standard OTEL_* variables; returns its shutdown (flushes spans). */
export async function startTracing(env: EnvMap): Promise<() => Promise<void>> {
  if (!isTracingConfigured(env)) return () => Promise.resolve();
  const { NodeSDK } = await import('@opentelemetry/sdk-node');
  const sdk = new NodeSDK({ serviceName: present(env, 'OTEL_SERVICE_NAME') ?? 'spool-watchdog' });
  sdk.start();
  return () => sdk.shutdown();
}
