import type { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBatch, type BatchWriterDeps } from '../../../src/api/services/batch-writer.ts';
import { batchKeys } from '../../../src/shared/batches/batch-keys.ts';
import { newId } from '../../../src/shared/ids.ts';
import type { JobRecord } from '../../../src/shared/jobs/job-record.ts';
import { JobStore } from '../../../src/shared/jobs/job-store.ts';
import { closeQueues, createQueues, type ClassQueues } from '../../../src/shared/queue/queues.ts';
import { createRedis, type Redis } from '../../../src/shared/redis/connections.ts';
import { redisKeys } from '../../../src/shared/redis/keys.ts';
import { batchWriterDeps, newBatchRecord } from '../../support/batch-writer-deps.ts';
import { waitUntil } from '../../support/eventually.ts';
import { dialogueJobRecord, TEST_DEPLOYMENT } from '../../support/job-records.ts';
import { testRedisUrl, uniquePrefix } from '../../support/test-env.ts';
import { serviceQueue, startTestService, type TestService } from '../e2e/service-harness.ts';

const OWNER = 'public';

const newBatch = () => newBatchRecord(OWNER);

/**
 * A batch's work items are queued with its records, before its intake commits (batch-writer.ts):
 * the claim script refuses to start a job of a batch whose intake is still `writing` (or
 * `rolling_back`), so nothing of a batch that may yet vanish ever runs.
 */
describe('claiming a job of a batch not committed yet', () => {
  const prefix = uniquePrefix('claim-uncommitted');
  let redis: Redis;
  let jobs: JobStore;
  beforeAll(() => {
    redis = createRedis({ kind: 'single', url: testRedisUrl() }, 'worker', 'claim-uncommitted');
    jobs = new JobStore(redis, redisKeys(prefix));
  });
  afterAll(async () => {
    const stale = await redis.keys(`${prefix}*`);
    if (stale.length > 0) await redis.unlink(...stale);
    redis.disconnect();
  });

  async function batchJob(intake: string | null): Promise<JobRecord> {
    const record = dialogueJobRecord(OWNER, newId('bat'));
    const pipeline = redis.pipeline();
    jobs.addCreates(pipeline, [record]);
    const state = batchKeys(prefix).state(record.batch_id!);
    pipeline.hset(state, 'total', 1);
    if (intake !== null) pipeline.hset(state, 'intake', intake);
    await pipeline.exec();
    return record;
  }
  const claim = (record: JobRecord) =>
    jobs.claim(record.id, 'run_test', 1, new Date().toISOString(), TEST_DEPLOYMENT);

  it('leaves it queued and unclaimed while the intake writes or rolls back', async () => {
    for (const intake of ['writing', 'rolling_back']) {
      const record = await batchJob(intake);
      expect(await claim(record)).toEqual({ outcome: 'uncommitted' });
      expect(await jobs.get(record.id)).toMatchObject({ status: 'queued', run_id: null, runs: 0 });
    }
  });

  it('claims it once the intake committed, or is over', async () => {
    for (const intake of ['queueing', null]) {
      const record = await batchJob(intake);
      expect((await claim(record)).outcome).toBe('claimed');
    }
  });
});

/**
 * The whole way: a worker delivered such a job holds it without starting a run, and runs it
 * once the batch commits; a batch rolled back instead leaves the worker nothing to run.
 */
describe('a worker delivered a job of a batch not committed yet', () => {
  let service: TestService;
  let queue: Queue;
  let redis: Redis;
  let queues: ClassQueues;
  let deps: BatchWriterDeps;
  beforeAll(async () => {
    // A work item whose batch is still not committed after 5 s waits out the intake's lease.
    service = await startTestService({ storage: 'file', env: { BATCH_INTAKE_LEASE_MS: '1000' } });
    const prefix = service.config.QUEUE_PREFIX;
    redis = createRedis({ kind: 'single', url: testRedisUrl() }, 'intake', 'uncommitted-job');
    // The intake's connection refuses commands until it is connected (no offline queue).
    await new Promise((resolve) => redis.once('ready', resolve));
    queue = serviceQueue(service.config, 'speech');
    queues = createQueues(redis, { prefix, attempts: 1, backoffMs: 10 });
    deps = batchWriterDeps(redis, prefix, queues);
  });
  afterAll(async () => {
    await queue?.close();
    if (queues) await closeQueues(queues);
    await redis?.quit();
    await service?.stop();
  });

  /**
   * Writes a one-item batch whose commit waits for the returned `commit` (which then commits,
   * or fails as `outcome` says): its work item is queued, and the worker takes it meanwhile.
   */
  async function heldBatch(outcome: 'commits' | 'fails') {
    service.simulator.reset();
    const batch = newBatch();
    // The service's own deployment: a job of another one it would leave alone.
    const deployment = await redis.get(deps.keys.deployment);
    const record = { ...dialogueJobRecord(OWNER, batch.id), deployment };
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const commitIntake = deps.batches.commitIntake.bind(deps.batches);
    deps.batches.commitIntake = async (committed) => {
      deps.batches.commitIntake = commitIntake;
      await released;
      if (outcome === 'fails') throw new Error('the commit failed');
      return commitIntake(committed);
    };
    const written = writeBatch(deps, batch, [record], (item) => item).catch((e: unknown) => e);
    await waitUntil('a worker holds the work item', async () => {
      return (await queue.getJobState(record.id)) === 'active';
    });
    return { record, commit: () => (release(), written) };
  }

  it('holds it without a run until the batch commits, then runs it', async () => {
    const { record, commit } = await heldBatch('commits');
    expect(await deps.jobs.get(record.id)).toMatchObject({ status: 'queued', runs: 0 });
    expect(service.simulator.counters().requests).toEqual({});
    expect(await commit()).toBeUndefined();
    await waitUntil('the job ran once its batch committed', async () => {
      return (await deps.jobs.get(record.id))?.status === 'succeeded';
    });
    expect(await deps.jobs.get(record.id)).toMatchObject({ runs: 1 });
  });

  it('sends it back to the queue when the commit is late, and runs it after', async () => {
    const { record, commit } = await heldBatch('commits');
    await waitUntil('the worker sent the work item back, delayed', async () => {
      return (await queue.getJobState(record.id)) === 'delayed';
    });
    expect(await deps.jobs.get(record.id)).toMatchObject({ status: 'queued', runs: 0 });
    expect(await commit()).toBeUndefined();
    await waitUntil('the job ran once its batch committed', async () => {
      return (await deps.jobs.get(record.id))?.status === 'succeeded';
    });
    // One run: the waits and the trip back to the queue started none.
    expect(await deps.jobs.get(record.id)).toMatchObject({ runs: 1 });
  });

  it('runs nothing of a batch rolled back meanwhile, and fails nothing', async () => {
    const { record, commit } = await heldBatch('fails');
    expect(String(await commit())).toMatch(/the commit failed/);
    expect(await deps.jobs.get(record.id)).toBeNull();
    await waitUntil('the worker let the work item go', async () => {
      const state = await queue.getJobState(record.id);
      return state !== 'active';
    });
    expect(['completed', 'unknown']).toContain(await queue.getJobState(record.id));
    expect(service.simulator.counters().requests).toEqual({});
  });
});
