import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { JobQueue } from '../../../src/api/services/job-queue.ts';
import type { JobRecord } from '../../../src/shared/jobs/job-record.ts';
import { JobStore } from '../../../src/shared/jobs/job-store.ts';
import { newJobRecord } from '../../../src/shared/jobs/new-job-record.ts';
import {
  createAccountQueues,
  type AccountQueues,
} from '../../../src/shared/queue/account-queues.ts';
import { createRedis, type Redis } from '../../../src/shared/redis/connections.ts';
import { WorkItemTransactions } from '../../../src/shared/queue/work-item-transactions.ts';
import { redisKeys } from '../../../src/shared/redis/keys.ts';
import {
  accountRouting,
  DEFAULT_ACCOUNT,
  type UpstreamAccountSetting,
} from '../../../src/shared/tenants/upstream-accounts.ts';
import { testRedisUrl, uniquePrefix } from '../../support/test-env.ts';

function record(owner: string, type: 'text_to_dialogue' | 'music'): JobRecord {
  const params =
    type === 'music'
      ? { prompt: 'calm piano', music_length_ms: 3_000 }
      : { inputs: [{ text: 'line', voice_id: 'v' }] };
  return newJobRecord({
    owner,
    cacheScope: `tenant.${owner}`,
    request: { type, params } as unknown as JobRecord['request'],
    seed: 1,
    input: null,
    batchId: null,
    createdAt: new Date().toISOString(),
    deployment: 'dep_test',
    estimate: null,
  });
}

const accountB = (tenants: string[]): UpstreamAccountSetting[] => [
  { name: 'b', api_key: 'unused', tenants },
];

/** The one rule that picks a job's queue, and cancel finding a job wherever it was queued. */
describe('account queues', () => {
  let redis: Redis;
  let prefix: string;
  const opened: AccountQueues[] = [];
  const open = (accounts: UpstreamAccountSetting[]) => {
    const queues = createAccountQueues(
      redis,
      { prefix, attempts: 1, backoffMs: 10 },
      accountRouting({ UPSTREAM_ACCOUNTS: accounts }),
    );
    opened.push(queues);
    return {
      queues,
      jobs: new JobQueue(
        queues,
        new JobStore(redis, redisKeys(prefix)),
        new WorkItemTransactions(redis),
      ),
    };
  };

  beforeAll(() => {
    redis = createRedis({ kind: 'single', url: testRedisUrl() }, 'intake', 'account-queues');
  });
  afterEach(async () => {
    for (const queues of opened.splice(0)) await queues.close();
    const found = await redis.keys(`${prefix}:*`);
    if (found.length) await redis.del(...found);
  });
  afterAll(async () => {
    await redis.quit();
  });

  it("queues a tenant's job on its account's queue of the type's class", async () => {
    prefix = uniquePrefix('account-queues');
    const { queues, jobs } = open(accountB(['beta']));
    const alpha = record('alpha', 'music');
    const beta = record('beta', 'text_to_dialogue');
    await jobs.create(alpha);
    await jobs.create(beta);
    expect(queues.account(DEFAULT_ACCOUNT).music.name).toBe('jobs-music');
    expect(await queues.account(DEFAULT_ACCOUNT).music.getJob(alpha.id)).toBeDefined();
    expect(queues.account('b').speech.name).toBe('jobs-speech.b');
    expect(await queues.account('b').speech.getJob(beta.id)).toBeDefined();
    expect(await queues.account(DEFAULT_ACCOUNT).speech.getJob(beta.id)).toBeUndefined();
    expect(queues.all.map((q) => q.id)).toEqual(['speech', 'music', 'speech.b', 'music.b']);
  });

  it('removes a job queued on an account its tenant has since left', async () => {
    prefix = uniquePrefix('account-queues');
    const before = open(accountB(['beta']));
    const beta = record('beta', 'text_to_dialogue');
    await before.jobs.create(beta);
    // Redeployed with beta back on the default account: its queued job is still in b's queue.
    const after = open(accountB(['gamma']));
    expect(await after.jobs.remove(beta.type, beta.id)).toBe('removed');
    expect(await after.queues.account('b').speech.getJob(beta.id)).toBeUndefined();
    expect(await after.jobs.remove(beta.type, beta.id)).toBe('absent');
  });
});
