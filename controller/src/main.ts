// The controller's composition root, and its only impure top: env → config → clients → start; SIGTERM → close.
// Both modes run the same loop (controller.ts); they differ only in source, runtime, status store and election.
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { DEPLOYED_FUNCTIONS_FOLDER, parseControllerConfig } from '@spool/api';
import { connectRedis, type Redis } from '@spool/node';
import { systemClock } from './clock.js';
import type { Controller } from './controller.js';
import { createLogger, errorMessage } from './log.js';
import { createKubeController } from './modes/kubernetes.js';
import { createLocalController } from './modes/local.js';
import { createProcessRuntime } from './runtime/process.js';

const config = parseControllerConfig(process.env);
const log = createLogger({ component: 'controller' });
// maxRetriesPerRequest null: commands wait through a Redis restart instead of failing the tick.
// An error listener: ioredis reconnects by itself, and would otherwise print each failed attempt as unhandled.
const redis = (): Redis =>
  connectRedis(config.redisUrl, { maxRetriesPerRequest: null }).on('error', (error: Error) =>
    log.warn('redis-error', { error: error.message }),
  );

function localController(functionsDir: string): Controller {
  return createLocalController({
    config,
    redis,
    runtime: createProcessRuntime({
      watchdogCommand: config.watchdogCommand,
      redisUrl: config.redisUrl,
      stateDir: resolve(config.stateDir),
      baseEnv: process.env,
      watchdog: { lock: config.watchdogLock },
      clock: systemClock,
      log,
    }),
    // Functions the gateway deployed through /system/functions (it writes them under the same state dir).
    source: { functionsDir, deployedFunctionsDir: join(resolve(config.stateDir), DEPLOYED_FUNCTIONS_FOLDER) },
    clock: systemClock,
    log,
  });
}

function kubernetesController(): Controller {
  const kc = new KubeConfig();
  kc.loadFromDefault();
  return createKubeController({
    config,
    kc,
    redis,
    clock: systemClock,
    log,
    identity: process.env['POD_NAME'] ?? hostname(),
    // Another replica may already act: stop at once rather than risk two writers.
    onLostLeadership: () => process.exit(1),
  });
}

const controller =
  config.runtime === 'kubernetes' ? kubernetesController() : localController(config.functionsDir ?? '');

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
  log.info('controller-listening', { runtime: config.runtime, metrics: controller.metricsAddress() });
} catch (error) {
  log.error('controller-failed', { error: errorMessage(error) });
  await controller.close();
  process.exit(1);
}
