import { Job, type Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createAccountQueues,
  type AccountQueues,
} from '../../../src/shared/queue/account-queues.ts';
import type { QueuePayload } from '../../../src/shared/queue/queues.ts';
import { queueTransaction } from '../../../src/shared/queue/transactional-add.ts';
import { workItemAdds, type WorkItem } from '../../../src/shared/queue/work-item-adds.ts';
import { createRedis, type Redis } from '../../../src/shared/redis/connections.ts';
import { accountRouting, DEFAULT_ACCOUNT } from '../../../src/shared/tenants/upstream-accounts.ts';
import { testRedisUrl, uniquePrefix } from '../../support/test-env.ts';

/** Each kind of work item the intake adds: FIFO, fair-share prioritized, a delayed safety net. */
const ITEMS: WorkItem[] = [
  { name: 'text_to_dialogue · alpha', jobId: 'plain', priority: 0 },
  { name: 'text_to_dialogue · alpha · bat_1', jobId: 'first', priority: 3 },
  { name: 'text_to_dialogue · beta', jobId: 'second', priority: 2_097_151 },
  { name: 'music · alpha', jobId: 'net', priority: 0, delayMs: 60_000 },
  { name: 'music · beta', jobId: 'late-net', priority: 7, delayMs: 5_000 },
];

/** What BullMQ's own add leaves for the item (the intake's add before the script). */
async function addAsBullMq(queue: Queue<QueuePayload>, item: WorkItem): Promise<void> {
  const delay = item.delayMs === undefined ? {} : { delay: item.delayMs };
  const options = { ...queue.defaultJobOptions, ...delay, priority: item.priority };
  const job = new Job<QueuePayload>(queue, item.name, {}, options, item.jobId);
  const client = await queue.getBackend().client;
  const transaction = client.multi();
  await job.addJob(transaction);
  await transaction.exec();
}

/**
 * The work-item adds script (issue 10, B2) against BullMQ's own add: the same job hashes, the
 * same places and order in `wait`, `prioritized` and `delayed`, the same events. It runs
 * BullMQ's add scripts itself, so a BullMQ upgrade that changes their keys or arguments fails
 * here first.
 */
describe('work-item adds', () => {
  let redis: Redis;
  let prefix: string;
  let ours: AccountQueues;
  let bullmq: AccountQueues;
  beforeAll(() => {
    prefix = uniquePrefix('item-adds');
    redis = createRedis({ kind: 'single', url: testRedisUrl() }, 'worker', 'item-adds');
    const routing = accountRouting({});
    ours = createAccountQueues(
      redis,
      { prefix: `${prefix}-ours`, attempts: 3, backoffMs: 10 },
      routing,
    );
    bullmq = createAccountQueues(
      redis,
      { prefix: `${prefix}-ref`, attempts: 3, backoffMs: 10 },
      routing,
    );
  });
  afterAll(async () => {
    await ours.close();
    await bullmq.close();
    const found = await redis.keys(`${prefix}-*`);
    if (found.length) await redis.del(...found);
    await redis.quit();
  });

  /** Everything a queue holds under its keys, timestamps and stream ids taken out. */
  async function snapshot(queue: Queue<QueuePayload>, from: string) {
    const keys = (await redis.keys(`${from}:*`)).sort();
    const state: Record<string, unknown> = {};
    for (const key of keys) {
      const name = key.slice(from.length);
      const type = await redis.type(key);
      if (type === 'hash') {
        const { timestamp: _, opts, ...hash } = await redis.hgetall(key);
        // Lua's table order is not JavaScript's: the options as an object.
        state[name] = {
          ...hash,
          ...(opts === undefined ? {} : { opts: JSON.parse(opts) as unknown }),
        };
      } else if (type === 'zset') {
        const members = await redis.zrange(key, 0, -1, 'WITHSCORES');
        // A delayed item's score (and the marker's, the next one due) is a time: the order only.
        const timed = name.endsWith(':delayed') || name.endsWith(':marker');
        state[name] = timed ? members.filter((_, i) => i % 2 === 0) : members;
      } else if (type === 'list') state[name] = await redis.lrange(key, 0, -1);
      else if (type === 'stream') {
        const entries = await redis.xrange(key, '-', '+');
        // A `delayed` event's `delay` is the due time.
        state[name] = entries.map(([, fields]) =>
          fields.map((value, i) => (fields[i - 1] === 'delay' ? 'due' : value)),
        );
      } else if (type === 'string') state[name] = await redis.get(key);
      else state[name] = type;
    }
    expect(Object.keys(state).length).toBeGreaterThan(5);
    return { state, jobs: await Promise.all(ITEMS.map((item) => queue.getJobState(item.jobId))) };
  }

  it('adds every kind of item exactly as BullMQ’s own add does', async () => {
    const queue = ours.account(DEFAULT_ACCOUNT).speech;
    const reference = bullmq.account(DEFAULT_ACCOUNT).speech;
    const adds = await workItemAdds(queue);
    const transaction = await queueTransaction(queue, adds.script);
    adds.addTo(transaction, ITEMS);
    const replies = await transaction.exec();
    expect(replies).toEqual([[null, ITEMS.length]]);
    for (const item of ITEMS) await addAsBullMq(reference, item);

    const added = await snapshot(queue, `${prefix}-ours`);
    expect(added.jobs).toEqual(['waiting', 'prioritized', 'prioritized', 'delayed', 'delayed']);
    expect(added).toEqual(await snapshot(reference, `${prefix}-ref`));
  });

  it('ignores an item whose id the queue holds, as BullMQ does', async () => {
    const queue = ours.account(DEFAULT_ACCOUNT).music;
    const adds = await workItemAdds(queue);
    const item = { name: 'music · alpha', jobId: 'twice', priority: 4 };
    for (const priority of [4, 9]) {
      const transaction = await queueTransaction(queue, adds.script);
      adds.addTo(transaction, [{ ...item, priority }]);
      await transaction.exec();
    }
    expect(await redis.zrange(queue.toKey('prioritized'), 0, -1)).toEqual(['twice']);
    expect(await redis.hget(queue.toKey('twice'), 'priority')).toBe('4');
  });
});
