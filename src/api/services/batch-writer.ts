import type { ChainableCommander, Redis } from 'ioredis';
import type { BatchRecord } from '../../shared/batches/batch-record.ts';
import type { BatchStore } from '../../shared/batches/batch-store.ts';
import { ServiceUnavailableError } from '../../shared/errors.ts';
import type { JobRecord } from '../../shared/jobs/job-record.ts';
import type { JobStore } from '../../shared/jobs/job-store.ts';
import { JOB_CLASS_OF, JOB_CLASSES } from '../../shared/jobs/job-types.ts';
import type { Logger } from '../../shared/logger.ts';
import type { ClassQueues } from '../../shared/queue/queues.ts';
import { isDependencyUnavailable } from '../error-envelope.ts';

export interface BatchWriterDeps {
  redis: Redis;
  jobs: JobStore;
  batches: BatchStore;
  queues: ClassQueues;
  logger: Logger;
}

/**
 * Records per write step: big enough that round trips do not dominate, small enough that one
 * step's commands and promises stay a few MB (and under the intake's command timeout).
 */
const CHUNK = 1_000;
/** Chunks sent before the first is answered. */
const IN_FLIGHT = 3;

/**
 * Stores a validated batch and queues its jobs: the batch (counts at `queued: total`), then per
 * chunk of items their job records and the batch's index (one pipeline), then their work items
 * (`addBulk`, job id = record id, as single jobs), a few chunks in flight. A work item is only
 * added once its record exists. Records are built a chunk at a time (`toRecord`), so they do
 * not all live at once. If Redis fails midway, what was written is removed again and the
 * caller gets 503: a batch is accepted whole or not at all.
 */
export async function writeBatch<T>(
  deps: BatchWriterDeps,
  batch: BatchRecord,
  items: readonly T[],
  toRecord: (item: T) => JobRecord,
): Promise<void> {
  const written: Pick<JobRecord, 'id' | 'type'>[] = [];
  try {
    await exec(deps.redis.pipeline(), (p) => deps.batches.create(p, batch, items.length));
    await inFlight(chunks(items), async (chunk) => {
      const records = chunk.map(toRecord);
      for (const { id, type } of records) written.push({ id, type });
      await exec(deps.redis.pipeline(), (p) => {
        deps.jobs.addCreates(p, records);
        deps.batches.addMembers(p, batch.id, records);
      });
      for (const jobClass of JOB_CLASSES) {
        const work = records.filter((record) => JOB_CLASS_OF[record.type] === jobClass);
        if (work.length === 0) continue;
        await deps.queues[jobClass].addBulk(
          work.map((record) => ({
            name: record.type,
            data: { job_id: record.id },
            opts: { jobId: record.id },
          })),
        );
      }
    });
  } catch (error) {
    await rollback(deps, batch, written).catch((err: unknown) =>
      deps.logger.error({ err, batch_id: batch.id }, 'batch left half-written: remove it by hand'),
    );
    if (!isDependencyUnavailable(error)) throw error;
    throw new ServiceUnavailableError(
      'The batch could not be stored; nothing was kept. Retry shortly.',
      error,
    );
  }
}

/**
 * Undoes a failed write. Records go first: a work item already queued then finds no record and
 * fails at once without an upstream call, even if its removal below fails too.
 */
async function rollback(
  deps: BatchWriterDeps,
  batch: BatchRecord,
  written: readonly Pick<JobRecord, 'id' | 'type'>[],
): Promise<void> {
  for (const chunk of chunks(written)) {
    await exec(deps.redis.pipeline(), (p) => deps.jobs.addRemoves(p, batch.owner, chunk));
  }
  await exec(deps.redis.pipeline(), (p) => deps.batches.remove(p, batch));
  for (const chunk of chunks(written)) {
    await Promise.all(chunk.map(({ id, type }) => deps.queues[JOB_CLASS_OF[type]].remove(id)));
  }
}

async function exec(
  pipeline: ChainableCommander,
  build: (pipeline: ChainableCommander) => void,
): Promise<void> {
  build(pipeline);
  for (const [error] of (await pipeline.exec()) ?? []) if (error) throw error;
}

/**
 * Runs `step` over `items` with a few steps in flight: while Redis works through one chunk,
 * the next is being encoded and sent, so neither side waits for the other. Stops starting
 * steps at the first failure and rethrows it once every started step has settled, so nothing
 * is still writing when the caller starts undoing.
 */
async function inFlight<T>(items: Iterable<T>, step: (item: T) => Promise<void>): Promise<void> {
  const running = new Set<Promise<void>>();
  const outcome: { failure: { error: unknown } | null } = { failure: null };
  for (const item of items) {
    if (outcome.failure) break;
    // Never rejects (the failure is kept aside), so no rejection goes unhandled.
    const promise: Promise<void> = step(item)
      .catch((error: unknown) => {
        outcome.failure ??= { error };
      })
      .finally(() => running.delete(promise));
    running.add(promise);
    if (running.size >= IN_FLIGHT) await Promise.race(running);
  }
  await Promise.all(running);
  if (outcome.failure) throw outcome.failure.error;
}

function* chunks<T>(items: readonly T[]): Generator<readonly T[]> {
  for (let start = 0; start < items.length; start += CHUNK) yield items.slice(start, start + CHUNK);
}
