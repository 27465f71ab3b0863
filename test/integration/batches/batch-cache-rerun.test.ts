import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, type RunningService } from '../../../src/runtime/start-service.ts';
import { createLogger } from '../../../src/shared/logger.ts';
import { createQueues, closeQueues, type ClassQueues } from '../../../src/shared/queue/queues.ts';
import { createRedis, type Redis } from '../../../src/shared/redis/connections.ts';
import { waitUntil } from '../../support/eventually.ts';
import { sineWav } from '../e2e/audio-fixtures.ts';
import { upload, type Job } from '../e2e/e2e-helpers.ts';
import { startTestService, type TestService } from '../e2e/service-harness.ts';
import { stsDefaults, submitBatch, waitForBatch, type BatchView } from './batch-helpers.ts';

/**
 * A batch rerun is answered from the cache by the intake itself (batch-cache-answers.ts): with
 * no worker running anywhere, every item of the rerun still ends `succeeded` from the cache,
 * with no upstream call and no work item left behind.
 */

const SIZE = 12;

describe('a batch rerun answered from the cache at intake', () => {
  let service: TestService;
  let api: RunningService | null = null;
  let redis: Redis;
  let queues: ClassQueues;
  beforeAll(async () => {
    service = await startTestService({ storage: 'file' });
    redis = createRedis({ kind: 'single', url: service.config.REDIS_URL ?? '' }, 'worker', 'test');
    queues = createQueues(redis, {
      prefix: service.config.QUEUE_PREFIX,
      attempts: 1,
      backoffMs: 1,
    });
  });
  afterAll(async () => {
    await api?.stop();
    await closeQueues(queues);
    redis?.disconnect();
    await service?.stop();
  });

  it('finishes every hit of the rerun without a worker', async () => {
    const input = await upload(service, sineWav(0.25));
    const items = Array.from({ length: SIZE }, (_, i) => ({
      custom_id: `rerun/${i}`,
      input: { upload_id: input },
    }));
    const body = { seed: 515, defaults: stsDefaults, items };
    const first = await waitForBatch(service, (await submitBatch(service, body)).id);
    expect(first.counts.succeeded).toBe(SIZE);
    const calls = service.simulator.counters().requests;
    const callsBefore = Object.values(calls).reduce((sum, n) => sum + n, 0);

    // From here, an api process alone: only the intake can finish anything.
    await service.stop();
    const { simulator, config } = service;
    service = { ...service, stop: () => Promise.resolve() };
    api = await startService(config, 'api', createLogger({ level: 'silent' }));
    const url = api.url as string;
    const http = {
      request: (path: string, init?: RequestInit) => fetch(`${url}${path}`, init),
      json: async <T>(path: string, init?: RequestInit) => {
        const response = await fetch(`${url}${path}`, init);
        return { status: response.status, body: (await response.json()) as T };
      },
    };

    const rerun = await submitBatch(http, body);
    let view: BatchView | undefined;
    await waitUntil(
      'every rerun item succeeded',
      async () => {
        view = (await http.json<BatchView>(`/v1/batches/${rerun.id}`)).body;
        return view.counts.succeeded === SIZE;
      },
      { timeoutMs: 30_000, intervalMs: 50 },
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}: ${JSON.stringify(view?.counts)}`);
    });

    const { body: page } = await http.json<{ data: Job[] }>(
      `/v1/batches/${rerun.id}/jobs?limit=100`,
    );
    expect(page.data).toHaveLength(SIZE);
    for (const job of page.data) {
      expect(job.status).toBe('succeeded');
      expect(job.cache).toBe('hit');
      expect(job.upstream?.calls).toBe(0);
      // The safety net went with the finish.
      expect(await queues.speech.getJob(job.id)).toBeUndefined();
    }
    const after = Object.values(simulator.counters().requests).reduce((sum, n) => sum + n, 0);
    expect(after).toBe(callsBefore);
  });
});
