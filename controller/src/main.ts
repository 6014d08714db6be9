// The controller's composition root, and its only impure top: env → config → clients → start; SIGTERM → close.
import { resolve } from 'node:path';
import { Redis } from 'ioredis';
import { parseControllerConfig } from '@spool/api';
import { systemClock } from './clock.js';
import { createController } from './controller.js';
import { errorMessage, jsonLog } from './log.js';
import { localRegistry } from './registry/local-registry.js';
import { createProcessRuntime } from './runtime/process.js';

const config = parseControllerConfig(process.env);
const log = jsonLog((line) => process.stdout.write(line), systemClock);

if (config.runtime !== 'process' || config.functionsDir === undefined) {
  log('controller-failed', { error: `SPOOL_RUNTIME=${config.runtime} is not implemented yet; use process` });
  process.exit(1);
}

const stateDir = resolve(config.stateDir);
const controller = createController({
  config,
  // maxRetriesPerRequest null: commands wait through a Redis restart instead of failing the tick.
  redis: () => new Redis(config.redisUrl, { maxRetriesPerRequest: null }),
  runtime: createProcessRuntime({
    watchdogCommand: config.watchdogCommand,
    redisUrl: config.redisUrl,
    stateDir,
    baseEnv: process.env,
    clock: systemClock,
    log,
  }),
  registry: localRegistry(config.functionsDir, log),
  clock: systemClock,
  log,
});

let closing = false;
const shutdown = (signal: string): void => {
  if (closing) return;
  closing = true;
  log('controller-stopping', { signal });
  controller.close().then(
    () => process.exit(0),
    (error: unknown) => {
      log('controller-close-failed', { error: errorMessage(error) });
      process.exit(1);
    },
  );
};
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));

try {
  await controller.start();
  log('controller-listening', { metrics: controller.metricsAddress(), stateDir });
} catch (error) {
  log('controller-failed', { error: errorMessage(error) });
  await controller.close();
  process.exit(1);
}
