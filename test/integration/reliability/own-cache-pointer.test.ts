import type { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObjectStorage } from '../../../src/shared/storage/object-storage.ts';
import { JobStore } from '../../../src/shared/jobs/job-store.ts';
import { storeInCache } from '../../../src/shared/lifecycle/result-cache.ts';
import { createRedis } from '../../../src/shared/redis/connections.ts';
import { redisKeys } from '../../../src/shared/redis/keys.ts';
import { sha256, submit, upload, waitFinished } from '../e2e/e2e-helpers.ts';
import { serviceQueue, startTestService, type TestService } from '../e2e/service-harness.ts';

/**
 * Issue 8, seen failure 2: the cache pointer naming a job was written before the job was
 * marked finished. A worker killed between the two left a redelivery that answered the job
 * from its own pointer (on S3: a copy onto itself, refused, retried until attempts ran out).
 * Here the job meets exactly what such a worker leaves: its pointer, naming itself, with
 * objects under its own keys. It must call the upstream, never answer from itself.
 */
describe.each(['file', 's3'] as const)('a job whose own cache pointer exists (%s)', (driver) => {
  let service: TestService;
  let storage: ObjectStorage;
  let queue: Queue;
  beforeAll(async () => {
    service = await startTestService({ storage: driver });
    const config = service.config;
    storage = service.storage;
    queue = serviceQueue(config, 'speech');
  });
  afterAll(async () => {
    await queue?.close();
    await service?.stop();
  });

  it('calls the upstream instead of answering from itself', async () => {
    const input = await upload(service);
    await queue.pause();
    const job = await submit(service, {
      type: 'speech_to_speech',
      params: { voice_id: 'JBFqnCBsd6RMkjVDRZzb', output_format: 'pcm_16000', seed: 11 },
      input: { upload_id: input },
    });
    const leftover = Buffer.from('bytes a killed run left');
    const key = `jobs/${job.id}/runs/run_01jabcdefghjkmnpqrstvwxyz0/audio.pcm`;
    await storage.put(key, leftover);
    const redis = createRedis(
      { kind: 'single', url: service.config.REDIS_URL as string },
      'worker',
      'own-pointer-test',
    );
    const record = await new JobStore(redis, redisKeys(service.config.QUEUE_PREFIX)).get(job.id);
    redis.disconnect();
    // The pointer a run writes once its finish is decided: naming the job itself.
    await storeInCache(storage, {
      ...record!,
      run_id: 'run_01jabcdefghjkmnpqrstvwxyz0',
      outputs: [
        {
          name: 'audio',
          key,
          content_type: 'audio/pcm',
          bytes: leftover.length,
          sha256: sha256(leftover),
          duration_ms: null,
        },
      ],
    });
    const calls = service.simulator.counters().requests;
    await queue.resume();

    const finished = await waitFinished(service, job.id);
    expect(finished.status, JSON.stringify(finished.error)).toBe('succeeded');
    expect(finished.cache).toBe('miss');
    const after = service.simulator.counters().requests;
    const made = Object.values(after).reduce((a, b) => a + b, 0);
    const before = Object.values(calls).reduce((a, b) => a + b, 0);
    expect(made - before).toBe(1);
    expect(finished.outputs[0]?.sha256).not.toBe(sha256(leftover));
  });
});
