// The controller's composition root, and its only impure top: env → config → clients → start; SIGTERM → close.
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { Redis } from 'ioredis';
import { parseControllerConfig } from '@spool/api';
import { systemClock } from './clock.js';
import { createController } from './controller.js';
import { createControllerHttpServer } from './http.js';
import { createKubeController } from './kube-controller.js';
import { createControllerMetrics } from './metrics.js';
import { createLogger, errorMessage } from './log.js';
import { localRegistry } from './registry/local-registry.js';
import { createProcessRuntime } from './runtime/process.js';

const config = parseControllerConfig(process.env);
const log = createLogger({ component: 'controller' });
// maxRetriesPerRequest null: commands wait through a Redis restart instead of failing the tick.
// An error listener: ioredis reconnects by itself, and would otherwise print each failed attempt as unhandled.
const redis = (): Redis =>
  new Redis(config.redisUrl, { maxRetriesPerRequest: null }).on('error', (error: Error) =>
    log.warn('redis-error', { error: error.message }),
  );

interface Service {
  start(): Promise<void>;
  close(): Promise<void>;
}

function processController(functionsDir: string): Service {
  const stateDir = resolve(config.stateDir);
  const controller = createController({
    config,
    redis,
    runtime: createProcessRuntime({
      watchdogCommand: config.watchdogCommand,
      redisUrl: config.redisUrl,
      stateDir,
      baseEnv: process.env,
      watchdog: { lock: config.watchdogLock },
      clock: systemClock,
      log,
    }),
    registry: localRegistry(functionsDir, log),
    clock: systemClock,
    log,
  });
  return {
    start: async () => {
      await controller.start();
      log.info('controller-listening', { metrics: controller.metricsAddress(), stateDir });
    },
    close: () => controller.close(),
  };
}

function kubernetesController(): Service {
  const kc = new KubeConfig();
  kc.loadFromDefault();
  const metrics = createControllerMetrics();
  const controller = createKubeController({
    config,
    kc,
    redis,
    clock: systemClock,
    log,
    metrics,
    identity: process.env['POD_NAME'] ?? hostname(),
    // Another replica may already act: stop at once rather than risk two writers.
    onLostLeadership: () => process.exit(1),
  });
  const server = createControllerHttpServer({ registry: metrics.registry, isHealthy: () => true });
  return {
    start: async () => {
      await controller.start();
      await new Promise<void>((done) => server.listen(config.metricsPort, config.metricsHost, done));
      log.info('controller-listening', { runtime: 'kubernetes', metricsPort: config.metricsPort });
    },
    close: async () => {
      server.close();
      await controller.close();
    },
  };
}

const controller =
  config.runtime === 'kubernetes' ? kubernetesController() : processController(config.functionsDir ?? '');

let closing = false;
const shutdown = (signal: string): void => {
  if (closing) return;
  closing = true;
  log.info('controller-stopping', { signal });
  controller.close().then(
    () => process.exit(0),
    (error: unknown) => {
      log.error('controller-close-failed', { error: errorMessage(error) });
      process.exit(1);
    },
  );
};
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));

try {
  await controller.start();
} catch (error) {
  log.error('controller-failed', { error: errorMessage(error) });
  await controller.close();
  process.exit(1);
}
