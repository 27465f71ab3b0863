import type { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobRecord } from '../../../src/shared/jobs/job-record.ts';
import { JobStore } from '../../../src/shared/jobs/job-store.ts';
import { createRedis, type Redis } from '../../../src/shared/redis/connections.ts';
import { redisKeys } from '../../../src/shared/redis/keys.ts';
import { waitUntil } from '../../support/eventually.ts';
import { dialogueJobRecord, TEST_DEPLOYMENT } from '../../support/job-records.ts';
import { testRedisUrl, uniquePrefix } from '../../support/test-env.ts';
import { serviceQueue, startTestService, type TestService } from '../e2e/service-harness.ts';

/**
 * A worker claims a job only if the job's deployment (the storage its intake wrote to) is the
 * worker's own: the claim script checks it, so a worker reads nothing before it claims.
 */
describe('claiming a job of another deployment', () => {
  const prefix = uniquePrefix('claim-deployment');
  let redis: Redis;
  let jobs: JobStore;
  beforeAll(() => {
    redis = createRedis({ kind: 'single', url: testRedisUrl() }, 'worker', 'claim-deployment');
    jobs = new JobStore(redis, redisKeys(prefix));
  });
  afterAll(async () => {
    const stale = await redis.keys(`${prefix}*`);
    if (stale.length > 0) await redis.unlink(...stale);
    redis.disconnect();
  });

  async function stored(record: JobRecord): Promise<JobRecord> {
    const pipeline = redis.pipeline();
    jobs.addCreates(pipeline, [record]);
    await pipeline.exec();
    return record;
  }
  const claim = (record: JobRecord, deployment: string) =>
    jobs.claim(record.id, 'run_test', 1, new Date().toISOString(), deployment);

  it('leaves it queued and unclaimed, and says whose it is', async () => {
    const record = await stored(dialogueJobRecord('key_claimdeployment'));
    const claimed = await claim(record, 'dep_other');
    expect(claimed.outcome).toBe('foreign');
    expect(claimed.outcome === 'foreign' && claimed.record.deployment).toBe(TEST_DEPLOYMENT);
    expect(await jobs.get(record.id)).toMatchObject({ status: 'queued', run_id: null, runs: 0 });
  });

  it('reads the deployment of a record written before version 6, under its long name', async () => {
    const record = await stored(dialogueJobRecord('key_claimdeployment'));
    const key = redisKeys(prefix).job(record.id);
    await redis
      .multi()
      .hdel(key, 'dep')
      .hset(key, 'deployment', JSON.stringify(TEST_DEPLOYMENT))
      .exec();
    expect((await claim(record, 'dep_other')).outcome).toBe('foreign');
    expect((await claim(record, TEST_DEPLOYMENT)).outcome).toBe('claimed');
  });

  it('claims a job of its own deployment, and one written before deployments were marked', async () => {
    const own = await stored(dialogueJobRecord('key_claimdeployment'));
    expect((await claim(own, TEST_DEPLOYMENT)).outcome).toBe('claimed');
    const unmarked = await stored({
      ...dialogueJobRecord('key_claimdeployment'),
      deployment: null,
    });
    expect((await claim(unmarked, 'dep_other')).outcome).toBe('claimed');
  });
});

/**
 * The whole way: a worker delivered a job whose record another deployment wrote leaves it in
 * the queue (delayed, for that deployment's workers), counts it, and never starts a run.
 */
describe('a worker delivered a job of another deployment', () => {
  let service: TestService;
  let queue: Queue;
  let redis: Redis;
  beforeAll(async () => {
    service = await startTestService({ storage: 'file' });
    redis = createRedis({ kind: 'single', url: testRedisUrl() }, 'worker', 'foreign-job');
    queue = serviceQueue(service.config, 'speech');
  });
  afterAll(async () => {
    await queue?.close();
    redis?.disconnect();
    await service?.stop();
  });

  it('leaves it delayed in the queue, counted, with no run', async () => {
    const jobs = new JobStore(redis, redisKeys(service.config.QUEUE_PREFIX));
    const record = { ...dialogueJobRecord('public'), deployment: 'dep_elsewhere' };
    const pipeline = redis.pipeline();
    jobs.addCreates(pipeline, [record]);
    await pipeline.exec();
    await queue.add('text_to_dialogue', { job_id: record.id }, { jobId: record.id });

    await waitUntil('the worker refused the job', async () => {
      const metrics = await (await service.request('/metrics')).text();
      return /^audiobatch_foreign_jobs_refused_total [1-9]/m.test(metrics);
    });
    expect(await queue.getJobState(record.id)).toBe('delayed');
    expect(await jobs.get(record.id)).toMatchObject({ status: 'queued', runs: 0 });
    expect(service.simulator.counters().requests).toEqual({});
  });
});
