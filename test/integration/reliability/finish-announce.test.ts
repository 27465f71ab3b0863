import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchKeys } from '../../../src/shared/batches/batch-keys.ts';
import { batchStateSchema } from '../../../src/shared/batches/batch-record.ts';
import {
  JobEvents,
  openJobEvents,
  type JobRef,
  type OpenJobEvents,
} from '../../../src/shared/batches/job-events.ts';
import type { JobPatch } from '../../../src/shared/jobs/job-store.ts';
import { JobStore } from '../../../src/shared/jobs/job-store.ts';
import type { JobRecord } from '../../../src/shared/jobs/job-record.ts';
import { AttemptLog } from '../../../src/shared/lifecycle/attempt-log.ts';
import { finishJob, type FinishDeps } from '../../../src/shared/lifecycle/finish-job.ts';
import { createLogger } from '../../../src/shared/logger.ts';
import { createRedis, duplicateRedis, type Redis } from '../../../src/shared/redis/connections.ts';
import { redisKeys } from '../../../src/shared/redis/keys.ts';
import { FileStorage } from '../../../src/shared/storage/file-storage.ts';
import { waitUntil } from '../../support/eventually.ts';
import { dialogueJobRecord, TEST_DEPLOYMENT } from '../../support/job-records.ts';
import { testRedisUrl, uniquePrefix } from '../../support/test-env.ts';

/**
 * What follows a one-run job's commit goes out with it, in its round trip: the `?wait=`
 * announcement and the batch counts' sync (finish-job.ts). A sync that runs before the commit
 * (a command resent out of order) must not leave the counts holding the job running.
 */
describe('what a finish sends with its commit', () => {
  const prefix = uniquePrefix('finish-announce');
  const keys = redisKeys(prefix);
  const bkeys = batchKeys(prefix);
  let redis: Redis;
  let subscriber: Redis;
  let opened: OpenJobEvents;
  let dir: string;
  const published: string[] = [];

  beforeAll(async () => {
    redis = createRedis({ kind: 'single', url: testRedisUrl() }, 'worker', 'finish-announce');
    subscriber = duplicateRedis(redis, { connectionName: 'finish-announce-sub' });
    subscriber.on('message', (_channel: string, id: string) => published.push(id));
    await subscriber.subscribe(keys.jobFinishedChannel);
    opened = openJobEvents(redis, {
      QUEUE_PREFIX: prefix,
      WEBHOOK_ATTEMPTS: 3,
      WEBHOOK_BACKOFF_MS: 1_000,
    });
    dir = await mkdtemp(join(tmpdir(), 'audiobatch-finish-announce-'));
  });
  afterAll(async () => {
    await opened.close();
    const stale = await redis.keys(`${prefix}*`);
    if (stale.length > 0) await redis.unlink(...stale);
    subscriber.disconnect();
    redis.disconnect();
    await rm(dir, { recursive: true, force: true });
  });

  /** A batch of one job, claimed by `runId` and counted running, as a worker's run holds it. */
  async function runningBatchJob(jobs: JobStore, runId: string): Promise<JobRecord> {
    const batchId = `bat_${uniquePrefix('b').replaceAll('-', '')}`;
    const record = dialogueJobRecord('key_finishannounce', batchId);
    const pipeline = redis.pipeline();
    jobs.addCreates(pipeline, [record]);
    pipeline.hset(bkeys.state(batchId), { total: 1, queued: 1 });
    pipeline.zadd(bkeys.jobs(batchId), 0, record.id);
    await pipeline.exec();
    const claim = await jobs.claim(record.id, runId, 1, new Date().toISOString(), TEST_DEPLOYMENT);
    expect(claim.outcome).toBe('claimed');
    await opened.events.started(record);
    return record;
  }

  function finishDeps(jobs: JobStore): FinishDeps {
    return {
      jobs,
      storage: new FileStorage({ root: join(dir, 'objects') }),
      attempts: new AttemptLog(redis, keys),
      events: opened.events,
      redis,
      keys,
      logger: createLogger({ level: 'silent' }),
    };
  }

  const stateOf = async (batchId: string) =>
    batchStateSchema.parse(await redis.hgetall(bkeys.state(batchId)));

  const succeed = (deps: FinishDeps, id: string, runId: string) =>
    finishJob(deps, id, {
      status: 'succeeded',
      from: ['running'],
      runId,
      patch: { outputs: [], cache: 'miss', error: null },
    });

  it('counts the job finished and announces it, with the commit', async () => {
    const jobs = new JobStore(redis, keys);
    const runId = 'run_01jabcdefghjkmnpqrstvwxya1';
    const record = await runningBatchJob(jobs, runId);
    expect(await stateOf(record.batch_id as string)).toMatchObject({ queued: 0, running: 1 });

    const finished = await succeed(finishDeps(jobs), record.id, runId);

    expect(finished?.status).toBe('succeeded');
    expect(await stateOf(record.batch_id as string)).toMatchObject({
      running: 0,
      succeeded: 1,
      complete: true,
    });
    await waitUntil('the finish is announced on the ?wait= channel', () =>
      published.includes(record.id),
    );
  });

  it('syncs again when the sync sent with the commit ran before it', async () => {
    /** A commit written a turn late: the sync sent behind it reaches Redis first. */
    class LateCommitStore extends JobStore {
      override async commitFinish(id: string, intentId: string, fields: JobPatch) {
        await new Promise((resolve) => setImmediate(resolve));
        return super.commitFinish(id, intentId, fields);
      }
    }
    /** The events, noting what each sync sent with a commit found. */
    class NotingEvents extends JobEvents {
      readonly countedFinished: boolean[] = [];
      override async countFinished(job: JobRef) {
        const counted = await super.countFinished(job);
        this.countedFinished.push(counted);
        return counted;
      }
    }
    const jobs = new LateCommitStore(redis, keys);
    const events = new NotingEvents({ redis, prefix, queues: opened.queues });
    const deps: FinishDeps = { ...finishDeps(jobs), events };
    const runId = 'run_01jabcdefghjkmnpqrstvwxya2';
    const record = await runningBatchJob(jobs, runId);

    await succeed(deps, record.id, runId);

    // The sync sent with the commit found the job still running…
    expect(events.countedFinished).toEqual([false]);
    // …and the finish synced again once its commit was in.
    expect(await stateOf(record.batch_id as string)).toMatchObject({
      running: 0,
      succeeded: 1,
      complete: true,
    });
  });
});
