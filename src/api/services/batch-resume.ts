import type { Redis } from '../../shared/redis/connections.ts';
import { z } from 'zod';
import type { BatchKeys } from '../../shared/batches/batch-keys.ts';
import type { BatchView } from '../../shared/batches/batch-record.ts';
import { ConflictError, ValidationError } from '../../shared/errors.ts';
import type { AccountQueues } from '../../shared/queue/account-queues.ts';
import type { BatchReads } from './batch-reads.ts';

/** `POST /v1/batches/{id}/resume` body. */
export const batchResumeBodySchema = z
  .object({
    max_characters: z
      .number()
      .int()
      .min(1)
      .nullable()
      .optional()
      .describe('The new budget, above the usage so far; null lifts it; absent keeps it'),
  })
  .strict()
  .prefault({});
export type BatchResumeBody = z.infer<typeof batchResumeBodySchema>;

export interface BatchResumeDeps {
  redis: Redis;
  batchKeys: BatchKeys;
  queues: AccountQueues;
  reads: BatchReads;
}

/**
 * Resume of a batch paused by its budget: the new cap set, the pause lifted, then every parked
 * job promoted from its long delay to the front of its queue. A job parking while this runs
 * sees the pause gone and promotes itself (attempt-outcomes.ts), so none is left behind.
 */
export class BatchResume {
  constructor(private readonly deps: BatchResumeDeps) {}

  async resume(owner: string, id: string, body: BatchResumeBody): Promise<BatchView> {
    const { state } = await this.deps.reads.stored(owner, id);
    if (state.complete || state.cancel_requested)
      throw new ConflictError('The batch has ended (completed or canceled): nothing to resume.');
    const cap = body.max_characters === undefined ? state.max_characters : body.max_characters;
    if (cap != null && cap <= state.usage_characters) {
      throw new ValidationError('The budget is spent: resume with a higher max_characters.', [
        {
          field: 'max_characters',
          message: `must be above the ${state.usage_characters} characters used so far`,
        },
      ]);
    }
    const key = this.deps.batchKeys.state(id);
    const transaction = this.deps.redis.multi();
    if (cap == null) transaction.hdel(key, 'max_characters');
    else transaction.hset(key, 'max_characters', cap);
    await transaction.hdel(key, 'paused_reason').exec();
    await this.promoteParked(id);
    return this.deps.reads.get(owner, id);
  }

  private async promoteParked(id: string): Promise<void> {
    const parked = this.deps.batchKeys.parked(id);
    for (const jobId of await this.deps.redis.smembers(parked)) {
      for (const { queue } of this.deps.queues.all) {
        const job = await queue.getJob(jobId);
        if (job && (await job.isDelayed())) await job.promote().catch(() => undefined);
      }
      await this.deps.redis.srem(parked, jobId);
    }
  }
}
