// The gateway service: env → config → tracing → Redis → registry → createGateway → listen; SIGTERM drains.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { parseGatewayConfig } from '@spool/api';
import { KubeConfig } from '@kubernetes/client-node';
import { createGateway, jsonLog, redisScaler } from './gateway.js';
import { kubeRegistry, kubeScaler } from './kube-registry.js';
import { redisRegistry } from './registry.js';

const config = parseGatewayConfig(process.env);

// The SDK reads the standard OTEL_* variables; without an exporter configured there is nothing to start.
const tracing =
  process.env['OTEL_TRACES_EXPORTER'] || process.env['OTEL_EXPORTER_OTLP_ENDPOINT']
    ? new NodeSDK()
    : undefined;
tracing?.start();

const log = jsonLog;
// ioredis reconnects by itself; without a listener it would print each failed attempt as an unhandled error.
const connectRedis = (): Redis =>
  new Redis(config.redisUrl, { maxRetriesPerRequest: null }).on('error', (error: Error) =>
    log({ level: 'warn', msg: 'Redis connection error; reconnecting', error: error.message }),
  );
const redis = connectRedis();
const subscriber = connectRedis();
const kc = new KubeConfig();
if (config.registry === 'kubernetes') kc.loadFromDefault();
const { registry, scaler } =
  config.registry === 'kubernetes'
    ? { registry: await kubeRegistry(kc, config.namespaces, log), scaler: kubeScaler(kc, Date.now) }
    : { registry: await redisRegistry(redis, subscriber, log), scaler: redisScaler(redis) };
const gatewayId = `${hostname()}-${randomUUID().slice(0, 8)}`;
const gateway = createGateway({ config, redis, subscriber, registry, scaler, gatewayId, log });
await gateway.start();

let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  await gateway.close();
  await tracing?.shutdown();
  redis.disconnect();
  subscriber.disconnect();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
