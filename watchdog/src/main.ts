// Composition root of the watchdog: env → config → Redis → createWatchdog().start(); SIGTERM/SIGINT drain, then exit.
import { Redis } from 'ioredis';
import { REDIS_AUTH_ENV, parseWatchdogConfig, redisAuthOptions } from '@spool/api';
import { watchLifeline } from './lifeline.js';
import { stderrLogger } from './logger.js';
import { startTracing } from './tracing.js';
import { createWatchdog } from './watchdog.js';

const env = process.env;
const logger = stderrLogger;

async function main(): Promise<void> {
  const config = parseWatchdogConfig(env);
  // Read once: out of process.env, so nothing this process starts or reports carries it. /proc/<pid>/environ
  // still shows the environment the watchdog was started with (docs/security.md, "What function code can read").
  delete env[REDIS_AUTH_ENV.password];
  const stopTracing = await startTracing(env);
  const watchdog = createWatchdog({
    config,
    // null: BullMQ's blocking fetch must wait as long as it asks, not fail after 20 retries.
    // The error listener: ioredis reconnects by itself, and would otherwise print each attempt as unhandled.
    createRedis: () =>
      new Redis(config.redisUrl, { ...redisAuthOptions(config.redisAuth), maxRetriesPerRequest: null }).on(
        'error',
        (error: Error) => logger.error('redis error', { error: error.message }),
      ),
    baseEnv: env,
    logger,
  });
  const onSignal = (signal: NodeJS.Signals): void => {
    logger.info('signal received', { signal });
    void watchdog
      .close()
      .then(async (clean) => {
        await stopTracing();
        process.exit(clean ? 0 : 1);
      })
      .catch((error: unknown) => {
        logger.error('shutdown failed', { error });
        process.exit(1);
      });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  // The parent (process runtime) died: drain and exit as on SIGTERM, rather than live on with nobody to stop us.
  if (config.lifelineFd !== undefined) {
    watchLifeline(config.lifelineFd, () => {
      logger.info('the parent process is gone (lifeline closed)');
      onSignal('SIGHUP');
    });
  }
  await watchdog.start();
}

main().catch((error: unknown) => {
  logger.error('watchdog failed to start', { error });
  process.exit(1);
});
