// The controller's composition root, and its only impure top: env → config → clients → start; SIGTERM → close.
// Both modes run the same loop (controller.ts); they differ only in source, runtime, status store and election.
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { DEPLOYED_FUNCTIONS_FOLDER, parseControllerConfig, redisAuthOptions } from '@spool/api';
import { connectRedis, type Redis } from '@spool/node';
import { systemClock } from './clock.js';
import type { Controller } from './controller.js';
import { createLogger, errorMessage } from './log.js';
import { createKubeController } from './modes/kubernetes.js';
import { createLocalController } from './modes/local.js';
import { bootstrapRedisUsers } from './redis-bootstrap.js';
import { fileCredentialStore } from './redis-credentials.js';
import { createProcessRuntime, localMaxReplicas } from './runtime/process.js';

const config = parseControllerConfig(process.env);
const log = createLogger({ component: 'controller' });
// maxRetriesPerRequest null: commands wait through a Redis restart instead of failing the tick.
// An error listener: ioredis reconnects by itself, and would otherwise print each failed attempt as unhandled.
const redis = (): Redis =>
  connectRedis(config.redisUrl, {
    ...redisAuthOptions(config.redisAuth),
    maxRetriesPerRequest: null,
  }).on('error', (error: Error) => {
    log.warn('redis-error', { error: error.message });
    // A Redis restarted without its ACL users refuses ours: set them up again, then ioredis's next try succeeds
    // and the reconnect re-reconciles every function (controller.ts), which re-applies their users.
    if (/WRONGPASS|NOAUTH/.test(error.message)) void bootstrap();
  });

let bootstrapping: Promise<void> | undefined;
let lastBootstrapMs = -Infinity;
/** At most one at a time and one a second: every connection reports the same refusal. */
function bootstrap(): Promise<void> {
  const target = config.redisBootstrap;
  if (target === undefined || config.redisAuth.password === undefined) return Promise.resolve();
  if (bootstrapping) return bootstrapping;
  if (Date.now() - lastBootstrapMs < 1_000) return Promise.resolve();
  lastBootstrapMs = Date.now();
  bootstrapping = bootstrapRedisUsers({
    url: config.redisUrl,
    controllerPassword: config.redisAuth.password,
    bootstrap: target,
  })
    .then((outcome) => log.info('redis-users-bootstrapped', { outcome }))
    .catch((error: unknown) => log.warn('redis-bootstrap-failed', { error: errorMessage(error) }))
    .finally(() => (bootstrapping = undefined));
  return bootstrapping;
}

function localController(functionsDir: string): Controller {
  return createLocalController({
    config,
    redis,
    // Each Function's password in a 0600 file of the state dir; with SPOOL_REDIS_ACL=off, replicas share ours.
    ...(config.redisAcl === 'on'
      ? { credentials: fileCredentialStore(join(resolve(config.stateDir), 'redis-users')) }
      : {}),
    runtime: createProcessRuntime({
      watchdogCommand: config.watchdogCommand,
      redisUrl: config.redisUrl,
      ...(config.redisAcl === 'off' ? { sharedRedisAuth: config.redisAuth } : {}),
      stateDir: resolve(config.stateDir),
      baseEnv: process.env,
      watchdog: { lock: config.watchdogLock },
      maxReplicas: localMaxReplicas(config.localMaxReplicas),
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
  await bootstrap();
  await controller.start();
  log.info('controller-listening', { runtime: config.runtime, metrics: controller.metricsAddress() });
} catch (error) {
  log.error('controller-failed', { error: errorMessage(error) });
  await controller.close();
  process.exit(1);
}
