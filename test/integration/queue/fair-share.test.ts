import type { Queue } from 'bullmq';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { JobQueue } from '../../../src/api/services/job-queue.ts';
import { JobStore } from '../../../src/shared/jobs/job-store.ts';
import {
  createAccountQueues,
  type AccountQueues,
} from '../../../src/shared/queue/account-queues.ts';
import { MAX_PRIORITY, priorityAt } from '../../../src/shared/queue/fair-share.ts';
import type { QueuePayload } from '../../../src/shared/queue/queues.ts';
import { queueTransaction } from '../../../src/shared/queue/transactional-add.ts';
import { workItemAdds } from '../../../src/shared/queue/work-item-adds.ts';
import { createRedis, type Redis } from '../../../src/shared/redis/connections.ts';
import { WorkItemTransactions } from '../../../src/shared/queue/work-item-transactions.ts';
import { redisKeys } from '../../../src/shared/redis/keys.ts';
import { accountRouting, DEFAULT_ACCOUNT } from '../../../src/shared/tenants/upstream-accounts.ts';
import { testRedisUrl, uniquePrefix } from '../../support/test-env.ts';
import { dialogueJobRecord } from '../../support/job-records.ts';

/**
 * The fair-share reservations against BullMQ's real `prioritized` set: the order a worker would
 * take jobs in is the set's order (lowest priority first, then the earliest added).
 */
describe('fair share of a queue between tenants', () => {
  let redis: Redis;
  let prefix: string;
  let queues: AccountQueues;
  let queue: Queue<QueuePayload>;
  const added = new Map<string, number>();

  /** Reserves and adds `count` work items of `owner` as the intake does: `<owner>-<n>`. */
  async function enqueue(owner: string, count: number): Promise<number[]> {
    const priorities = await queues.reservePriorities(queue, owner, count);
    const adds = await workItemAdds(queue);
    const transaction = await queueTransaction(queue, adds.script);
    const items = priorities.map((priority) => {
      const n = (added.get(owner) ?? 0) + 1;
      added.set(owner, n);
      return { name: 'text_to_dialogue', jobId: `${owner}-${n}`, priority };
    });
    adds.addTo(transaction, items);
    await transaction.exec();
    return priorities;
  }

  /** The ids in the order BullMQ's workers would take them. */
  const servingOrder = () => redis.zrange(queue.toKey('prioritized'), 0, -1);
  /** A worker takes the next job: it leaves the prioritized set (as moveToActive does). */
  const takeNext = async () => {
    const [id] = await redis.zrange(queue.toKey('prioritized'), 0, 0);
    await redis.zrem(queue.toKey('prioritized'), id!);
    return id;
  };
  const clocks = () => redis.hgetall(redisKeys(prefix).fairShareClocks(queue.name));

  beforeAll(() => {
    redis = createRedis({ kind: 'single', url: testRedisUrl() }, 'intake', 'fair-share');
  });
  beforeEach(() => {
    prefix = uniquePrefix('fair-share');
    added.clear();
    queues = createAccountQueues(
      redis,
      { prefix, attempts: 1, backoffMs: 10 },
      accountRouting({}),
      new Map([['gamma', 3]]),
    );
    queue = queues.account(DEFAULT_ACCOUNT).speech;
  });
  afterEach(async () => {
    await queues.close();
    const found = await redis.keys(`${prefix}:*`);
    if (found.length) await redis.del(...found);
  });
  afterAll(async () => {
    await redis.quit();
  });

  it("serves a late tenant's job after at most one of each other tenant's", async () => {
    expect(await enqueue('alpha', 6)).toEqual([1, 2, 3, 4, 5, 6]);
    // beta arrives while alpha's batch waits: its jobs share the rounds from the head on.
    expect(await enqueue('beta', 2)).toEqual([1, 2]);
    expect(await servingOrder()).toEqual([
      'alpha-1',
      'beta-1',
      'alpha-2',
      'beta-2',
      'alpha-3',
      'alpha-4',
      'alpha-5',
      'alpha-6',
    ]);
    // Two taken: the head is round 2 now, so a newcomer's job goes in round 2.
    await takeNext();
    await takeNext();
    expect(await enqueue('delta', 1)).toEqual([2]);
    expect((await servingOrder()).slice(0, 3)).toEqual(['alpha-2', 'beta-2', 'delta-1']);
    // alpha's next batch queues behind its first: its clock is far ahead of the queue's.
    expect(await enqueue('alpha', 2)).toEqual([7, 8]);
  });

  it("keeps one tenant's order across reservations (FIFO within a tenant)", async () => {
    await enqueue('alpha', 3);
    await enqueue('beta', 1);
    await enqueue('alpha', 3);
    await enqueue('alpha', 1);
    const alphas = (await servingOrder()).filter((id) => id.startsWith('alpha-'));
    expect(alphas).toEqual(Array.from({ length: 7 }, (_, i) => `alpha-${i + 1}`));
  });

  it('starts every clock over when nothing prioritized is left', async () => {
    await enqueue('alpha', 5);
    await enqueue('beta', 1);
    for (let i = 0; i < 6; i++) await takeNext();
    // alpha's clock stood at 5; the queue is empty now, so alpha starts at round 1 again.
    expect(await enqueue('alpha', 1)).toEqual([1]);
    expect(await clocks()).toEqual({ '#queue': '0', alpha: '1' });
  });

  it('never moves the queue clock back when an old priority comes back to the head', async () => {
    await enqueue('alpha', 10);
    for (let i = 0; i < 6; i++) await takeNext();
    expect(await enqueue('beta', 1)).toEqual([7]);
    // A retry promoted from `delayed` comes back with the priority it was given (round 1).
    await queue.add('text_to_dialogue', { job_id: 'retried' }, { jobId: 'retried', priority: 1 });
    expect((await servingOrder())[0]).toBe('retried');
    // A newcomer still joins at round 7, not ahead of everyone at round 1.
    expect(await enqueue('delta', 1)).toEqual([7]);
  });

  it('gives a weighted tenant that many jobs per round (TENANT_WEIGHTS)', async () => {
    expect(await enqueue('gamma', 6)).toEqual([1, 1, 1, 2, 2, 2]);
    expect(await enqueue('beta', 2)).toEqual([1, 2]);
    const order = await servingOrder();
    expect(order).toEqual([
      'gamma-1',
      'gamma-2',
      'gamma-3',
      'beta-1',
      'gamma-4',
      'gamma-5',
      'gamma-6',
      'beta-2',
    ]);
  });

  it("falls back to plain FIFO past BullMQ's priority cap", async () => {
    await enqueue('alpha', 1);
    // A queue that never drained for a very long time: alpha's clock is near the cap.
    await redis.hset(redisKeys(prefix).fairShareClocks(queue.name), 'alpha', MAX_PRIORITY - 2);
    expect(await enqueue('alpha', 4)).toEqual([
      MAX_PRIORITY - 1,
      MAX_PRIORITY,
      MAX_PRIORITY,
      MAX_PRIORITY,
    ]);
    expect(await enqueue('beta', 1)).toEqual([1]);
    expect(await servingOrder()).toEqual([
      'alpha-1',
      'beta-1',
      'alpha-2',
      'alpha-3',
      'alpha-4',
      'alpha-5',
    ]);
  });

  it('queues a single job and its retry with a reservation each', async () => {
    const jobs = new JobQueue(
      queues,
      new JobStore(redis, redisKeys(prefix)),
      new WorkItemTransactions(redis),
    );
    await enqueue('alpha', 4);
    const record = dialogueJobRecord('beta');
    await jobs.create(record);
    expect((await queue.getJob(record.id))?.priority).toBe(1);
    expect((await servingOrder()).slice(0, 2)).toEqual(['alpha-1', record.id]);
    expect(await jobs.remove(record.type, record.id)).toBe('removed');
    await jobs.requeue(record, ['queued'], {});
    expect((await queue.getJob(record.id))?.priority).toBe(2);
  });

  it('numbers ticks as BullMQ priorities: whole, at least 1, at most the cap', () => {
    expect([1, 2, 3].map((i) => priorityAt(0, i, 1))).toEqual([1, 2, 3]);
    expect([1, 2, 3, 4].map((i) => priorityAt(10 + 1 / 3, i, 3))).toEqual([11, 11, 12, 12]);
    expect(priorityAt(0, 1, 1_000)).toBe(1);
    expect(priorityAt(MAX_PRIORITY, 1, 1)).toBe(MAX_PRIORITY);
  });
});
