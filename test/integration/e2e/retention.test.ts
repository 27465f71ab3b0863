import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchKeys } from '../../../src/shared/batches/batch-keys.ts';
import { closeEventQueues, createEventQueues } from '../../../src/shared/batches/event-queues.ts';
import type { DeletionDeps } from '../../../src/shared/deletion/deletion-deps.ts';
import { JobStore } from '../../../src/shared/jobs/job-store.ts';
import { createLogger } from '../../../src/shared/logger.ts';
import { createAccountQueues } from '../../../src/shared/queue/account-queues.ts';
import { accountRouting } from '../../../src/shared/tenants/upstream-accounts.ts';
import { redisKeys } from '../../../src/shared/redis/keys.ts';
import { sweepRetention } from '../../../src/shared/retention/retention-sweep.ts';
import { waitUntil } from '../../support/eventually.ts';
import { testRedisUrl } from '../../support/test-env.ts';
import { stsDefaults, submitBatch, waitForBatch } from '../batches/batch-helpers.ts';
import { sineWav } from './audio-fixtures.ts';
import { submit, upload, waitFinished } from './e2e-helpers.ts';
import { startTestService, type TestService } from './service-harness.ts';
import { traces, type Traces } from './traces.ts';

/**
 * Retention deletes what is older than JOB_RETENTION_DAYS / UPLOAD_RETENTION_DAYS through the
 * DELETE routes' code, leaving keys and objects as before those items existed, and keeps what
 * is younger. The sweep is run with a chosen clock; then the scheduler runs it on its own.
 */

const DAY_MS = 24 * 3600 * 1000;

/** An upload, a finished single job and a finished batch of one item reading the upload. */
async function makeItems(service: TestService, tag: string): Promise<void> {
  const input = await upload(service, sineWav(0.25));
  const job = await submit(service, {
    type: 'music',
    params: { prompt: `retention ${tag}`, music_length_ms: 3_000 },
  });
  expect((await waitFinished(service, job.id)).status).toBe('succeeded');
  const batch = await submitBatch(service, {
    defaults: stsDefaults,
    items: [{ custom_id: 'a', input: { upload_id: input } }],
  });
  expect((await waitForBatch(service, batch.id)).counts.succeeded).toBe(1);
}

describe.each(['file', 's3'] as const)('retention sweep (%s storage)', (kind) => {
  let service: TestService;
  let redis: Redis;
  let deps: DeletionDeps;
  let close: () => Promise<void>;
  beforeAll(async () => {
    service = await startTestService({
      storage: kind,
      env: { JOB_RETENTION_DAYS: '0', UPLOAD_RETENTION_DAYS: '0' },
    });
    const prefix = service.config.QUEUE_PREFIX;
    redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
    const queues = createAccountQueues(
      redis,
      { prefix, attempts: 1, backoffMs: 50 },
      accountRouting(service.config),
    );
    const eventQueues = createEventQueues(redis, service.config);
    const keys = redisKeys(prefix);
    deps = {
      redis,
      keys,
      batchKeys: batchKeys(prefix),
      jobs: new JobStore(redis, keys),
      storage: service.storage,
      queues,
      eventQueues,
      logger: createLogger({ level: 'silent' }),
    };
    close = async () => {
      await queues.close();
      await closeEventQueues(eventQueues);
    };
  });
  afterAll(async () => {
    await close?.();
    redis?.disconnect();
    await service?.stop();
  });

  const snapshot = () => traces(testRedisUrl(), service.config.QUEUE_PREFIX, service.storage);

  it('keeps items younger than the retention and deletes every trace of older ones', async () => {
    const before = await snapshot();
    await makeItems(service, kind);
    const during = await snapshot();
    // The upload's listing indexes (owner, owner + sha256) are among what the sweep removes.
    const prefix = service.config.QUEUE_PREFIX;
    expect(during.keys).toEqual(
      expect.arrayContaining([
        `${prefix}:idx:owner:local:uploads`,
        expect.stringMatching(
          new RegExp(`^${prefix}:idx:owner:local:uploads:sha256:[0-9a-f]{64}$`),
        ),
      ]),
    );
    const policy = { jobsMs: 2 * DAY_MS, uploadsMs: 2 * DAY_MS };

    const young = await sweepRetention(deps, policy, Date.now() + DAY_MS);
    expect(young).toEqual({ jobs: 0, batches: 0, uploads: 0, kept: 0 });
    expect(await snapshot()).toEqual(during);

    const old = await sweepRetention(deps, policy, Date.now() + 3 * DAY_MS);
    expect(old).toEqual({ jobs: 1, batches: 1, uploads: 1, kept: 0 });
    expect(await snapshot()).toEqual(before);
  });

  it('keeps an old upload while a job still reads it', async () => {
    const before = await snapshot();
    service.simulator.configure({ latencyMs: 60_000 });
    try {
      const input = await upload(service, sineWav(0.25));
      const job = await submit(service, { ...stsDefaults, input: { upload_id: input } });
      const policy = { jobsMs: 2 * DAY_MS, uploadsMs: 2 * DAY_MS };
      const swept = await sweepRetention(deps, policy, Date.now() + 3 * DAY_MS);
      expect(swept).toEqual({ jobs: 0, batches: 0, uploads: 0, kept: 1 });
      expect((await service.request(`/v1/jobs/${job.id}`, { method: 'DELETE' })).status).toBe(204);
      const after = await sweepRetention(deps, policy, Date.now() + 3 * DAY_MS);
      expect(after).toEqual({ jobs: 0, batches: 0, uploads: 1, kept: 0 });
      await waitUntil(
        'every trace is gone',
        async () => JSON.stringify(await snapshot()) === JSON.stringify(before),
      );
    } finally {
      service.simulator.configure({ latencyMs: 0 });
    }
  });
});

describe('retention scheduler', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService({
      storage: 'file',
      // One second, checked every 200 ms.
      env: {
        JOB_RETENTION_DAYS: String(1 / 86_400),
        UPLOAD_RETENTION_DAYS: String(1 / 86_400),
        RETENTION_CHECK_INTERVAL_MS: '200',
      },
    });
  });
  afterAll(async () => {
    await service?.stop();
  });

  it('deletes old jobs, batches and uploads on its own', async () => {
    const snapshot = () => traces(testRedisUrl(), service.config.QUEUE_PREFIX, service.storage);
    const before: Traces = await snapshot();
    await makeItems(service, 'scheduler');
    await waitUntil(
      'retention has deleted everything',
      async () => JSON.stringify(await snapshot()) === JSON.stringify(before),
      { timeoutMs: 60_000, intervalMs: 200 },
    );
  });
});
