// Local mode: the one control loop over a folder watched live and the process runtime, with status and the
// gateway's registry in Redis. No Lease: one controller serves one folder.
import type { Redis } from '@spool/node';
import type { ControllerConfig } from '@spool/api';
import type { Clock } from '../clock.js';
import { createController, type Controller } from '../controller.js';
import { silentLog, type Log } from '../log.js';
import type { ControllerMetrics } from '../metrics.js';
import { createPublishedRegistry } from '../registry/published-registry.js';
import type { CredentialStore } from '../redis-credentials.js';
import type { Runtime } from '../runtime/runtime.js';
import { createFolderSource } from '../source/folder-source.js';
import type { FunctionSource } from '../source/source.js';
import { createRedisStatusWriter } from '../status/redis-status.js';

export interface LocalControllerDeps {
  readonly config: Pick<ControllerConfig, 'scaleIntervalMs' | 'metricsHost' | 'metricsPort'>;
  /** Opens a Redis connection; three are opened (commands, subscriber, status) and closed on close(). */
  readonly redis: () => Redis;
  readonly runtime: Runtime;
  /**
   * The folder of Function YAML files, followed live, with the folder the gateway deploys into; or another
   * source (tests, embedding: `staticSource`).
   */
  readonly source: FunctionSource | { readonly functionsDir: string; readonly deployedFunctionsDir?: string };
  readonly clock: Clock;
  readonly log?: Log;
  readonly metrics?: ControllerMetrics;
  /** One Redis user per Function, its password kept here (`fileCredentialStore`); shared credential when unset. */
  readonly credentials?: CredentialStore;
}

export function createLocalController(deps: LocalControllerDeps): Controller {
  const log = deps.log ?? silentLog;
  let controller: Controller | undefined;
  let store: Redis | undefined;
  return {
    async start() {
      store = deps.redis();
      const source =
        'functionsDir' in deps.source
          ? createFolderSource({
              root: deps.source.functionsDir,
              ...(deps.source.deployedFunctionsDir !== undefined
                ? { deployedRoot: deps.source.deployedFunctionsDir }
                : {}),
              clock: deps.clock,
              log,
            })
          : deps.source;
      controller = createController({
        config: deps.config,
        redis: deps.redis,
        source,
        runtime: deps.runtime,
        status: createRedisStatusWriter(store, log),
        registry: createPublishedRegistry(store),
        clock: deps.clock,
        log,
        ...(deps.metrics ? { metrics: deps.metrics } : {}),
        credentials: deps.credentials,
      });
      await controller.start();
    },
    async close() {
      if (controller) await controller.close();
      else await deps.runtime.close();
      store?.disconnect();
    },
    isLeader: () => controller?.isLeader() ?? false,
    metricsAddress: () => controller?.metricsAddress(),
  };
}
