// The gateway service: env → config → tracing → Redis → registry → createGateway → listen; SIGTERM drains.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { parseGatewayConfig } from '@spool/api';
import { createGateway } from './gateway.js';
import { redisRegistry } from './registry.js';

const config = parseGatewayConfig(process.env);

// The SDK reads the standard OTEL_* variables; without an exporter configured there is nothing to start.
const tracing = process.env['OTEL_TRACES_EXPORTER'] || process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] ? new NodeSDK() : undefined;
tracing?.start();

const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
const subscriber = new Redis(config.redisUrl, { maxRetriesPerRequest: null });

if (config.registry === 'kubernetes') {
  throw new Error('SPOOL_REGISTRY=kubernetes is not available in this build yet; use local');
}
const registry = await redisRegistry(redis, subscriber);
const gateway = createGateway({ config, redis, subscriber, registry, gatewayId: `${hostname()}-${randomUUID().slice(0, 8)}` });
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
