// Composition root of the watchdog: env → config → Redis → createWatchdog().start(); SIGTERM/SIGINT drain, then exit.
import { writeFileSync } from 'node:fs';
import { REDIS_AUTH_ENV, parseWatchdogConfig, redisAuthOptions } from '@spool/api';
import { connectRedis } from '@spool/node';
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
      connectRedis(config.redisUrl, { ...redisAuthOptions(config.redisAuth), maxRetriesPerRequest: null }).on(
        'error',
        (error: Error) => logger.error('redis error', { error: error.message }),
      ),
    baseEnv: env,
    logger,
    onGaveUp: (message) => {
      writeTerminationMessage(config.terminationMessagePath, message);
      shutDown(1);
    },
  });
  /** Drains and exits; `exitCode` 1 after giving up on a crashing user process, so the pod shows the crash. */
  const shutDown = (exitCode: number): void => {
    void watchdog
      .close()
      .then(async (clean) => {
        await stopTracing();
        process.exit(clean ? exitCode : 1);
      })
      .catch((error: unknown) => {
        logger.error('shutdown failed', { error });
        process.exit(1);
      });
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    logger.info('signal received', { signal });
    shutDown(0);
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

/** Best effort: the exit code and the last log line still tell the story when the file cannot be written. */
function writeTerminationMessage(path: string | undefined, message: string): void {
  logger.error('giving up on the user process', { message });
  if (path === undefined) return;
  try {
    writeFileSync(path, message);
  } catch (error) {
    logger.error('writing the termination message', { path, error });
  }
}

main().catch((error: unknown) => {
  logger.error('watchdog failed to start', { error });
  process.exit(1);
});
