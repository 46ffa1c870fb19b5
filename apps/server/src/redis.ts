import type { FastifyBaseLogger } from 'fastify';
import { Redis } from 'ioredis';
import type { AppConfig } from './config/index.ts';

/**
 * The cluster's Redis connection (config `redis`), with every key under the deployment's prefix. Connects before
 * the server starts serving, so a wrong URL stops the start with a clear error instead of failing requests later.
 */
export async function connectRedis(config: AppConfig['redis'], log: FastifyBaseLogger): Promise<Redis> {
  if (!config.url) throw new Error('redis.url is not set');
  const redis = new Redis(config.url, {
    keyPrefix: config.keyPrefix,
    lazyConnect: true,
    maxRetriesPerRequest: 2,
  });
  redis.on('error', (err) => log.warn({ err: err.message }, 'redis connection error'));
  await redis.connect();
  return redis;
}
