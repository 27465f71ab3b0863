import {
  execAll,
  finishIntake,
  INTAKE_CHUNK,
  listMembers,
  rollBackIntake,
  type BatchIntakeDeps,
  type MemberRef,
} from '../../shared/batches/batch-intake-steps.ts';
import type { BatchRecord } from '../../shared/batches/batch-record.ts';
import {
  memberWorkItems,
  reservePriorities,
  type MemberWorkItems,
} from '../../shared/batches/member-work-items.ts';
import { crashPoint } from '../../shared/crash-points.ts';
import { ServiceUnavailableError } from '../../shared/errors.ts';
import type { JobRecord } from '../../shared/jobs/job-record.ts';
import type { Logger } from '../../shared/logger.ts';
import { defineScripts } from '../../shared/redis/lua-scripts.ts';
import { isDependencyUnavailable } from '../error-envelope.ts';

export interface BatchWriterDeps extends BatchIntakeDeps {
  logger: Logger;
  /** How long the intake may go without progress before recovery takes it for dead, ms. */
  leaseMs: number;
}

/**
 * Jobs the intake answers itself (cache hits, see batch-cache-answers.ts), decided a chunk of
 * records at a time: their work items are queued delayed by `delayMs`, as safety nets.
 */
export interface SafetyNets {
  ids: ReadonlySet<string>;
  delayMs: number;
}

/** Chunks sent before the first is answered (INTAKE_CHUNK records each). */
const IN_FLIGHT = 8;

/**
 * Stores a validated batch and queues its jobs, so that a crash anywhere leaves either
 * nothing visible or a batch that runs to its end (reliability I3):
 *
 * 1. write (invisible): the batch with its intake `writing` and a lease in `intakes`, then a
 *    chunk at a time (renewing the lease, a few chunks in flight) its job records and their
 *    work items (delayed, for the jobs `safetyNets` names). A worker holds a work item whose
 *    batch is not committed until it is (the claim's `uncommitted`, processor.ts): queued
 *    with their records, the work items are added by Redis while this process encodes the
 *    next chunks, instead of after them;
 * 2. commit: one script lists the batch for its owner and sets its intake `queueing`;
 * 3. list: per chunk, its jobs are listed for their owner; then the intake is done.
 *
 * Any failure before the commit is undone here (work items, records, keys), and what Redis
 * refused to undo is undone by recovery once the lease runs out; the caller gets 503 with
 * nothing accepted. After the commit nothing is undone: a failure while listing is left to
 * recovery, which queues and lists every job again, and the batch is accepted. Records are
 * built a chunk at a time (`toRecord`), so they never all live at once.
 */
export async function writeBatch<T>(
  deps: BatchWriterDeps,
  batch: BatchRecord,
  items: readonly T[],
  toRecord: (item: T) => JobRecord,
  safetyNets: (records: readonly JobRecord[]) => Promise<SafetyNets | null> = () =>
    Promise.resolve(null),
): Promise<void> {
  const members: MemberRef[] = [];
  try {
    await write(deps, batch, items, async (chunk) => {
      const records = chunk.map(toRecord);
      // Reserved before anything is awaited: chunks reserve in item order (a safety net's
      // delay does not change its place).
      const priorities = reservePriorities(deps.queues, records);
      const nets = await safetyNets(records);
      const chunkMembers = records.map((record) => memberOf(record, nets));
      members.push(...chunkMembers);
      return { records, workItems: await memberWorkItems(deps.queues, chunkMembers, priorities) };
    });
    if (!(await deps.batches.commitIntake(batch))) throw new Error('intake recovered meanwhile');
  } catch (error) {
    await rollBackIntake(deps, batch.id).catch((err: unknown) =>
      deps.logger.warn({ err, batch_id: batch.id }, 'batch rollback left to intake recovery'),
    );
    if (!isDependencyUnavailable(error)) throw error;
    throw new ServiceUnavailableError(
      'The batch could not be stored; nothing was kept. Retry shortly.',
      error,
    );
  }
  crashPoint('batch-intake-committed');
  try {
    await inFlight(chunks(members), async (chunk) => {
      await listMembers(deps, chunk);
      await renewLease(deps, batch.id);
      crashPoint('batch-intake-enqueued');
    });
    await finishIntake(deps, batch.id);
  } catch (error) {
    // Accepted all the same: every record is stored, and recovery queues what is missing.
    deps.logger.warn(
      { err: error, batch_id: batch.id },
      'batch accepted; listing its jobs is left to intake recovery',
    );
  }
}

/** Step 1: the batch, its records and their work items, invisible, under a lease. */
async function write<T>(
  deps: BatchWriterDeps,
  batch: BatchRecord,
  items: readonly T[],
  prepare: (
    chunk: readonly T[],
  ) => Promise<{ records: readonly JobRecord[]; workItems: MemberWorkItems }>,
): Promise<void> {
  const first = deps.redis.multi();
  deps.batches.create(first, batch, items.length);
  first.zadd(deps.keys.intakes, Date.now() + deps.leaseMs, batch.id);
  await execAll(first);
  crashPoint('batch-intake-record');
  await inFlight(chunks(items), async (chunk) => {
    const { records, workItems } = await prepare(chunk);
    defineScripts(deps.redis, ...workItems.scripts);
    const pipeline = deps.redis.pipeline();
    // Members first, work items last: a process killed while its pipeline is on the wire
    // leaves a prefix of it applied, and a rollback deletes only listed records and their
    // work items, so no record may land unlisted, nor a work item without its record.
    deps.batches.addMembers(pipeline, batch.id, records);
    deps.jobs.addRecords(pipeline, records);
    pipeline.zadd(deps.keys.intakes, 'XX', Date.now() + deps.leaseMs, batch.id);
    // Only while the intake is still this writer's: a writer that stalled past its lease
    // (recovery rolled the batch back meanwhile) lands no work item for it.
    workItems.addTo(pipeline, {
      key: deps.batchKeys.state(batch.id),
      field: 'intake',
      value: 'writing',
    });
    await execAll(pipeline);
    crashPoint('batch-intake-chunk');
  });
}

function memberOf(record: JobRecord, nets: SafetyNets | null): MemberRef {
  const member = {
    id: record.id,
    type: record.type,
    owner: record.owner,
    batch_id: record.batch_id,
  };
  return nets?.ids.has(record.id) ? { ...member, delayMs: nets.delayMs } : member;
}

async function renewLease(deps: BatchWriterDeps, batchId: string): Promise<void> {
  await deps.redis.zadd(deps.keys.intakes, 'XX', Date.now() + deps.leaseMs, batchId);
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
  for (let start = 0; start < items.length; start += INTAKE_CHUNK)
    yield items.slice(start, start + INTAKE_CHUNK);
}
