// The gateway service: env → config → tracing → Redis → registry → createGateway → listen; SIGTERM drains.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { RedisOptions } from 'ioredis';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { parseGatewayConfig, redisAuthOptions } from '@spool/api';
import { KubeConfig } from '@kubernetes/client-node';
import { connectRedis as connect, createLogger, whenReady, type Redis } from '@spool/node';
import { commandConnectionOptions, createGateway, redisScaler } from './gateway.js';
import { kubeFunctionWriter } from './kube-function-writer.js';
import { kubeLogReader } from './kube-logs.js';
import { kubeRegistry, kubeScaler } from './kube-registry.js';
import { redisRegistry } from './registry.js';

const config = parseGatewayConfig(process.env);

// The SDK reads the standard OTEL_* variables; without an exporter configured there is nothing to start.
const tracing =
  process.env['OTEL_TRACES_EXPORTER'] || process.env['OTEL_EXPORTER_OTLP_ENDPOINT']
    ? new NodeSDK()
    : undefined;
tracing?.start();

const log = createLogger({ component: 'gateway' });
// ioredis reconnects by itself; without a listener it would print each failed attempt as an unhandled error.
// The command connection fails fast while Redis is away (commandConnectionOptions); the subscriber queues its
// SUBSCRIBEs and re-subscribes after each reconnect.
const connectRedis = (options: RedisOptions): Redis =>
  connect(config.redisUrl, { ...redisAuthOptions(config.redisAuth), ...options }).on(
    'error',
    (error: Error) => log.warn('Redis connection error; reconnecting', { error: error.message }),
  );
const redis = connectRedis({ ...commandConnectionOptions, connectionName: 'spool-gateway' });
const subscriber = connectRedis({ maxRetriesPerRequest: null, connectionName: 'spool-gateway-subscriber' });
// Started while Redis is down (a supervised restart during an outage), wait for it rather than exit; the subscriber
// too, before its first SUBSCRIBE (whenReady).
await Promise.all([whenReady(redis), whenReady(subscriber)]);
const kc = new KubeConfig();
if (config.registry === 'kubernetes') kc.loadFromDefault();
const { registry, scaler, functions, logs } =
  config.registry === 'kubernetes'
    ? {
        registry: await kubeRegistry(kc, config.namespaces, log),
        scaler: kubeScaler(kc),
        functions: kubeFunctionWriter(kc),
        logs: kubeLogReader(kc),
      }
    : {
        registry: await redisRegistry(redis, subscriber, log),
        scaler: redisScaler(redis),
        functions: undefined,
        logs: undefined,
      };
const gatewayId = `${hostname()}-${randomUUID().slice(0, 8)}`;
const gateway = createGateway({
  config,
  redis,
  subscriber,
  registry,
  scaler,
  ...(functions ? { functions } : {}),
  ...(logs ? { logs } : {}),
  gatewayId,
  log,
});
await gateway.start();

let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  await gateway.close();
  // Bounded: an exporter that cannot reach its collector must not keep the process alive.
  await Promise.race([tracing?.shutdown(), new Promise((resolve) => setTimeout(resolve, 2_000))]);
  redis.disconnect();
  subscriber.disconnect();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
