import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobView } from '../../../src/shared/jobs/job-record.ts';
import { startApiHarness, type ApiHarness } from './api-harness.ts';

/**
 * Issue 10 item 6: a queued work item's BullMQ hash holds only what has no worker-wide
 * setting. Its id is the hash key's own suffix (not repeated in its options nor its data), and how finished
 * items expire is the class workers' setting (WORK_ITEM_EXPIRY), not a copy per item.
 */
describe('a queued work item', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApiHarness();
  });
  afterAll(async () => {
    await api.close();
  });

  it('stores the record id once, and no expiry of its own', async () => {
    const job: JobView = await api.createJob();
    const item = await api.queues.speech.getJob(job.id);
    expect(item?.id).toBe(job.id);
    // Not in its data either: a worker takes the record id from the BullMQ id (recordIdOf).
    expect(item?.data).toEqual({});
    const stored = await api.deps.redis.hget(
      `${api.prefix}:${api.queues.speech.name}:${job.id}`,
      'opts',
    );
    const opts = JSON.parse(stored ?? 'null') as Record<string, unknown>;
    expect(opts).toMatchObject({ backoff: { type: 'upstream' } });
    expect(typeof opts.attempts).toBe('number');
    expect(opts).not.toHaveProperty('jobId');
    expect(opts).not.toHaveProperty('removeOnComplete');
    expect(opts).not.toHaveProperty('removeOnFail');
  });
});
