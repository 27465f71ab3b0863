import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { writeBatch, type BatchWriterDeps } from '../../../src/api/services/batch-writer.ts';
import { recoverIntakes } from '../../../src/shared/batches/batch-intake-recovery.ts';
import { execAll } from '../../../src/shared/batches/batch-intake-steps.ts';
import { memberWorkItems } from '../../../src/shared/batches/member-work-items.ts';
import type { BatchRecord } from '../../../src/shared/batches/batch-record.ts';
import type { JobRecord } from '../../../src/shared/jobs/job-record.ts';
import { newJobRecord } from '../../../src/shared/jobs/new-job-record.ts';
import { closeQueues, createQueues, type ClassQueues } from '../../../src/shared/queue/queues.ts';
import { createRedis, type Redis } from '../../../src/shared/redis/connections.ts';
import { defineScripts } from '../../../src/shared/redis/lua-scripts.ts';
import { batchWriterDeps, newBatchRecord } from '../../support/batch-writer-deps.ts';
import { testRedisUrl, uniquePrefix } from '../../support/test-env.ts';

const OWNER = 'local';

const newBatch = () => newBatchRecord(OWNER);

function record(batchId: string, i: number): JobRecord {
  return newJobRecord({
    owner: OWNER,
    cacheScope: `tenant.${OWNER}`,
    request: {
      type: 'text_to_dialogue',
      params: { inputs: [{ text: `line ${i}`, voice_id: 'v' }] },
    } as unknown as JobRecord['request'],
    seed: i,
    input: null,
    estimate: null,
    batchId,
    createdAt: new Date().toISOString(),
    deployment: 'dep_test',
  });
}

/** The batch writer and intake recovery on real Redis and real BullMQ queues. */
describe('batch intake', () => {
  let redis: Redis;
  let prefix: string;
  let queues: ClassQueues;
  let deps: BatchWriterDeps;
  beforeAll(async () => {
    redis = createRedis({ kind: 'single', url: testRedisUrl() }, 'intake', 'batch-writer-test');
    // The intake's connection refuses commands until it is connected (no offline queue).
    await new Promise((resolve) => redis.once('ready', resolve));
  });
  afterEach(async () => {
    await closeQueues(queues);
    const found = await redis.keys(`${prefix}:*`);
    if (found.length) await redis.del(...found);
  });
  afterAll(async () => {
    await redis.quit();
  });
  const setUp = (leaseMs = 30_000) => {
    prefix = uniquePrefix('batch-writer');
    queues = createQueues(redis, { prefix, attempts: 1, backoffMs: 10 });
    deps = batchWriterDeps(redis, prefix, queues, leaseMs);
    return deps;
  };
  const dataKeys = async () =>
    (await redis.keys(`${prefix}:*`)).filter((k) => /:(batch|job|idx):/.test(k));

  it('writes, lists and queues every item, then ends its intake', async () => {
    setUp();
    const batch = newBatch();
    await writeBatch(deps, batch, [...Array(2_500).keys()], (i) => record(batch.id, i));
    const stored = await deps.batches.getOwned(batch.id, OWNER);
    expect(stored?.state.total).toBe(2_500);
    expect(stored?.state.intake).toBeUndefined();
    expect(await redis.zcard(deps.keys.intakes)).toBe(0);
    expect(await redis.zcard(deps.keys.ownerJobs(OWNER))).toBe(2_500);
    // Every item has its fair-share priority (one owner: 1 to 2,500, in the items' order).
    expect(await queues.speech.getJobCounts('waiting', 'prioritized')).toEqual({
      waiting: 0,
      prioritized: 2_500,
    });
  });

  it('queues every work item with its record, before the commit', async () => {
    setUp();
    const batch = newBatch();
    const commit = deps.batches.commitIntake.bind(deps.batches);
    let atCommit: object | null = null;
    deps.batches.commitIntake = async (committed) => {
      atCommit = {
        visible: (await deps.batches.getOwned(committed.id, OWNER)) !== null,
        listed: await redis.zcard(deps.keys.ownerJobs(OWNER)),
        queued: await queues.speech.getJobCounts('prioritized'),
      };
      return commit(committed);
    };
    await writeBatch(deps, batch, [...Array(600).keys()], (i) => record(batch.id, i));
    expect(atCommit).toEqual({ visible: false, listed: 0, queued: { prioritized: 600 } });
    expect(await redis.zcard(deps.keys.ownerJobs(OWNER))).toBe(600);
  });

  it('leaves nothing when writing fails before the commit', async () => {
    setUp();
    const batch = newBatch();
    const error = await writeBatch(deps, batch, [...Array(2_500).keys()], (i) => {
      if (i === 1_700) throw new Error('record 1700 cannot be built');
      return record(batch.id, i);
    }).catch((e: unknown) => e);
    expect(String(error)).toMatch(/record 1700/);
    expect(await dataKeys()).toEqual([]);
    expect(await redis.zcard(deps.keys.intakes)).toBe(0);
    expect(await queues.speech.getJobCounts('waiting', 'prioritized')).toEqual({
      waiting: 0,
      prioritized: 0,
    });
  });

  it('lands no work item for an intake that is no longer writing (a stalled writer)', async () => {
    setUp();
    const batch = newBatch();
    const records = [...Array(300).keys()].map((i) => record(batch.id, i));
    const workItems = await memberWorkItems(deps.queues, records);
    defineScripts(redis, ...workItems.scripts);
    const guard = { key: deps.batchKeys.state(batch.id), field: 'intake', value: 'writing' };
    for (const intake of [null, 'rolling_back', 'queueing']) {
      const pipeline = redis.pipeline();
      if (intake !== null) pipeline.hset(guard.key, 'intake', intake);
      workItems.addTo(pipeline, guard);
      await execAll(pipeline);
    }
    expect((await queues.speech.getJobCounts('prioritized')).prioritized).toBe(0);
    await redis.hset(guard.key, 'intake', 'writing');
    const pipeline = redis.pipeline();
    workItems.addTo(pipeline, guard);
    await execAll(pipeline);
    expect((await queues.speech.getJobCounts('prioritized')).prioritized).toBe(300);
  });

  /**
   * Writes step 1 of an intake and stops, as a process killed right there would: its records,
   * and their work items as the writer queues them, unless `withWorkItems` is false (a writer
   * of before b3b6abb, which queued them after the commit).
   */
  async function abandonedIntake(committed: boolean, withWorkItems = true): Promise<BatchRecord> {
    const batch = newBatch();
    const first = redis.multi();
    deps.batches.create(first, batch, 1_500);
    first.zadd(deps.keys.intakes, Date.now() - 1, batch.id);
    await first.exec();
    const records = [...Array(1_500).keys()].map((i) => record(batch.id, i));
    const workItems = await memberWorkItems(deps.queues, records);
    defineScripts(redis, ...workItems.scripts);
    const pipeline = redis.pipeline();
    deps.jobs.addRecords(pipeline, records);
    deps.batches.addMembers(pipeline, batch.id, records);
    if (withWorkItems) workItems.addTo(pipeline);
    await execAll(pipeline);
    if (committed) expect(await deps.batches.commitIntake(batch)).toBe(true);
    return batch;
  }

  it('recovery rolls an uncommitted intake back: nothing left, nothing visible', async () => {
    setUp();
    const batch = await abandonedIntake(false);
    expect(await deps.batches.getOwned(batch.id, OWNER)).toBeNull();
    expect((await queues.speech.getJobCounts('prioritized')).prioritized).toBe(1_500);
    const recovered = await recoverIntakes(deps);
    expect(recovered).toBe(1);
    expect(await dataKeys()).toEqual([]);
    expect(await queues.speech.getJobCounts('waiting', 'prioritized', 'delayed')).toEqual({
      waiting: 0,
      prioritized: 0,
      delayed: 0,
    });
    expect(await redis.zcard(deps.keys.intakes)).toBe(0);
  });

  it('recovery queues every job of a committed intake, work items included', async () => {
    setUp();
    // An intake of the writer before b3b6abb: committed, no work item queued yet.
    const batch = await abandonedIntake(true, false);
    expect((await queues.speech.getJobCounts('prioritized')).prioritized).toBe(0);
    expect(await deps.batches.getOwned(batch.id, OWNER)).not.toBeNull();
    expect(await recoverIntakes(deps)).toBe(1);
    expect((await queues.speech.getJobCounts('prioritized')).prioritized).toBe(1_500);
    expect(await redis.zcard(deps.keys.ownerJobs(OWNER))).toBe(1_500);
    expect((await deps.batches.get(batch.id))?.state.intake).toBeUndefined();
    // A second pass finds nothing left to do.
    expect(await recoverIntakes(deps)).toBe(0);
  });

  it('recovery leaves an intake alone while its writer still holds the lease', async () => {
    setUp();
    const batch = await abandonedIntake(false);
    await redis.zadd(deps.keys.intakes, Date.now() + 60_000, batch.id);
    expect(await recoverIntakes(deps)).toBe(0);
    expect(await deps.batches.get(batch.id)).not.toBeNull();
  });
});
