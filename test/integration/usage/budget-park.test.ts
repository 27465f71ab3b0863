import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchKeys } from '../../../src/shared/batches/batch-keys.ts';
import { createRedis, type Redis } from '../../../src/shared/redis/connections.ts';
import { UsageLedger } from '../../../src/shared/usage/usage-ledger.ts';
import { testRedisUrl, uniquePrefix } from '../../support/test-env.ts';

/**
 * A job parks when its budget gate found the batch's budget spent; a resume may raise the
 * budget between that check and the park. The park must then not pause the batch again: CI
 * once saw a resume answered with `paused_reason: budget_exhausted` for that reason.
 */
describe('parking a job of a batch whose budget is spent', () => {
  let redis: Redis;
  let ledger: UsageLedger;
  let prefix: string;
  beforeAll(() => {
    redis = createRedis({ kind: 'single', url: testRedisUrl() }, 'worker', 'budget-park');
  });
  afterAll(() => redis?.disconnect());

  async function batchWith(fields: Record<string, string | number>) {
    prefix = uniquePrefix('budget-park');
    ledger = new UsageLedger(redis, prefix);
    const id = 'bat_park';
    await redis.hset(batchKeys(prefix).state(id), fields);
    return { id, state: batchKeys(prefix).state(id), parked: batchKeys(prefix).parked(id) };
  }

  it('pauses the batch when the budget is still spent', async () => {
    const batch = await batchWith({ usage_characters: 320, max_characters: 300 });
    expect(await ledger.park(batch.id, 'job_a')).toBe(1);
    expect(await redis.hget(batch.state, 'paused_reason')).toBe('budget_exhausted');
    expect(await redis.sismember(batch.parked, 'job_a')).toBe(1);
  });

  it('does not pause it again when a resume raised the budget meanwhile', async () => {
    const raised = await batchWith({ usage_characters: 320, max_characters: 1_000_000 });
    expect(await ledger.park(raised.id, 'job_b')).toBeNull();
    expect(await redis.hget(raised.state, 'paused_reason')).toBeNull();

    const lifted = await batchWith({ usage_characters: 320 });
    expect(await ledger.park(lifted.id, 'job_c')).toBeNull();
    expect(await redis.hget(lifted.state, 'paused_reason')).toBeNull();
  });
});
