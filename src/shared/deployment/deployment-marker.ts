import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from '../redis/connections.ts';
import { z } from 'zod';
import { readJson } from '../lifecycle/read-json.ts';
import type { RedisKeys } from '../redis/keys.ts';
import type { ObjectStorage } from '../storage/object-storage.ts';

/** Where the marker sits in storage (under the storage prefix). */
export const DEPLOYMENT_OBJECT_KEY = 'deployment.json';

const markerSchema = z.object({ deployment: z.string(), created_at: z.string() });

/** How long a process waits for a concurrent first start to write the storage marker. */
const FIRST_START_WAIT_MS = 5_000;

/**
 * This process's storage is not the one its Redis prefix's jobs were accepted for: running
 * them would write their outputs where nobody reads them.
 */
export class DeploymentMismatchError extends Error {
  constructor(
    readonly expected: string,
    readonly found: string | null,
    storageUrl: string,
  ) {
    super(
      `This storage (${storageUrl}) is not this deployment’s: the Redis prefix belongs to ` +
        `deployment ${expected}, the storage ${found ? `to ${found}` : 'holds no marker'}. ` +
        'Point STORAGE_URL (and S3_ENDPOINT) at the deployment’s storage, or QUEUE_PREFIX at ' +
        'another prefix. If the storage was emptied on purpose, its jobs’ outputs are gone: ' +
        'delete the Redis key of the marker to start over.',
    );
    this.name = 'DeploymentMismatchError';
  }
}

/**
 * Which deployment this process belongs to: one id, kept both in Redis (under the prefix) and
 * in storage (`deployment.json`), and equal in both. The intake stamps it on every job and a
 * worker runs only jobs carrying its own, so a worker started with another STORAGE_URL on the
 * same Redis and prefix refuses the work instead of storing it elsewhere (reliability I5).
 *
 * The first process of a deployment writes both; a Redis emptied meanwhile adopts the
 * storage's id; a storage without a marker under a Redis that has one is a mismatch (after a
 * short wait, in case a first start is writing it right now).
 *
 * @throws DeploymentMismatchError
 */
export async function resolveDeployment(deps: {
  redis: Redis;
  keys: RedisKeys;
  storage: ObjectStorage;
  storageUrl: string;
}): Promise<string> {
  const { redis, keys, storage } = deps;
  const stored = await readMarker(storage);
  const claimed = stored ?? `dep_${randomBytes(8).toString('hex')}`;
  await redis.set(keys.deployment, claimed, 'NX');
  const expected = await redis.get(keys.deployment);
  if (expected === null) throw new Error('the deployment marker vanished from Redis');
  if (stored !== null) {
    if (stored === expected) return expected;
    throw new DeploymentMismatchError(expected, stored, deps.storageUrl);
  }
  if (expected === claimed) {
    await storage.put(DEPLOYMENT_OBJECT_KEY, marker(claimed), { contentType: 'application/json' });
    return claimed;
  }
  const deadline = Date.now() + FIRST_START_WAIT_MS;
  for (;;) {
    const found = await readMarker(storage);
    if (found === expected) return expected;
    if (found !== null || Date.now() > deadline)
      throw new DeploymentMismatchError(expected, found, deps.storageUrl);
    await sleep(200);
  }
}

async function readMarker(storage: ObjectStorage): Promise<string | null> {
  return (await readJson(storage, DEPLOYMENT_OBJECT_KEY, markerSchema))?.deployment ?? null;
}

function marker(deployment: string): string {
  return `${JSON.stringify({ deployment, created_at: new Date().toISOString() }, null, 2)}\n`;
}
