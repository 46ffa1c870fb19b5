// The machine's Redis is shared by every test run: each test keeps its keys under a prefix of its own and deletes
// them when done.
import { Redis } from 'ioredis';

export const REDIS_URL = 'redis://127.0.0.1:6379';

/** Deletes every key under `prefix` (SCAN, not KEYS: other runs share this Redis). */
export async function dropRedisPrefix(prefix: string): Promise<void> {
  const plain = new Redis(REDIS_URL);
  try {
    for await (const keys of plain.scanStream({ match: `${prefix}*`, count: 200 })) {
      if ((keys as string[]).length) await plain.del(...(keys as string[]));
    }
  } finally {
    plain.disconnect();
  }
}
