import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createAccountQueues,
  type AccountQueues,
} from '../../../src/shared/queue/account-queues.ts';
import { workItemAdds } from '../../../src/shared/queue/work-item-adds.ts';
import { WorkItemTransactions } from '../../../src/shared/queue/work-item-transactions.ts';
import { createRedis, type Redis } from '../../../src/shared/redis/connections.ts';
import { addScript, luaScript } from '../../../src/shared/redis/lua-scripts.ts';
import { accountRouting, DEFAULT_ACCOUNT } from '../../../src/shared/tenants/upstream-accounts.ts';
import { testRedisUrl, uniquePrefix } from '../../support/test-env.ts';

const touchScript = luaScript('test_touch', `return redis.call('SET', KEYS[1], ARGV[1])`);

/**
 * A single job's MULTI (issue 10, B1): ioredis copies every script its connection knows into
 * each new MULTI, so the intake's go on a connection that knows only the work-item add and the
 * caller's scripts, not BullMQ's ~50 that a queue's connection holds.
 */
describe('work-item transactions', () => {
  let queueRedis: Redis;
  let transactionRedis: Redis;
  let queues: AccountQueues;
  let prefix: string;
  beforeAll(() => {
    prefix = uniquePrefix('work-items');
    queueRedis = createRedis({ kind: 'single', url: testRedisUrl() }, 'worker', 'wi-queue');
    transactionRedis = createRedis({ kind: 'single', url: testRedisUrl() }, 'worker', 'wi-multi');
    queues = createAccountQueues(
      queueRedis,
      { prefix, attempts: 1, backoffMs: 10 },
      accountRouting({}),
    );
  });
  afterAll(async () => {
    await queues.close();
    const found = await queueRedis.keys(`${prefix}:*`);
    if (found.length) await queueRedis.del(...found);
    await queueRedis.quit();
    await transactionRedis.quit();
  });

  it('commits work items (plain, prioritized, delayed) with the caller’s writes', async () => {
    const queue = queues.account(DEFAULT_ACCOUNT).speech;
    const transactions = new WorkItemTransactions(transactionRedis);
    const adds = await workItemAdds(queue);
    const transaction = transactions.open(adds.script, touchScript);
    transaction.set(`${prefix}:record`, 'stored');
    addScript(transaction, touchScript, [`${prefix}:touched`], ['yes']);
    adds.addTo(transaction, [
      { name: 'text_to_dialogue', jobId: 'plain', priority: 0 },
      { name: 'text_to_dialogue', jobId: 'first', priority: 3 },
      { name: 'text_to_dialogue', jobId: 'later', priority: 0, delayMs: 60_000 },
    ]);
    const replies = await transaction.exec();
    expect(replies?.filter(([error]) => error !== null)).toEqual([]);

    expect(await queueRedis.get(`${prefix}:record`)).toBe('stored');
    expect(await queueRedis.get(`${prefix}:touched`)).toBe('yes');
    expect(await queue.getJobState('plain')).toBe('waiting');
    expect(await queue.getJobState('first')).toBe('prioritized');
    expect(await queue.getJobState('later')).toBe('delayed');
  });

  it('keeps its connection to the work-item add and the caller’s scripts', async () => {
    const queue = queues.account(DEFAULT_ACCOUNT).speech;
    const adds = await workItemAdds(queue);
    new WorkItemTransactions(transactionRedis).open(adds.script, touchScript);
    const defined = Object.keys((transactionRedis as unknown as { scriptsSet: object }).scriptsSet);
    const queueDefined = Object.keys((queueRedis as unknown as { scriptsSet: object }).scriptsSet);
    expect(queueDefined.length).toBeGreaterThan(30);
    expect(defined.sort()).toEqual([adds.script.name, touchScript.name].sort());
  });
});
