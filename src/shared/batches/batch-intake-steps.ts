import type { ChainableCommander } from 'ioredis';
import type { Redis } from '../redis/connections.ts';
import type { JobRecord } from '../jobs/job-record.ts';
import type { JobStore } from '../jobs/job-store.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { JOB_TYPES, type JobType } from '../jobs/job-types.ts';
import type { AccountQueues } from '../queue/account-queues.ts';
import { queueTransaction } from '../queue/transactional-add.ts';
import type { RedisKeys } from '../redis/keys.ts';
import type { BatchKeys } from './batch-keys.ts';
import type { BatchStore } from './batch-store.ts';
import { memberWorkItems } from './member-work-items.ts';
import { luaScript, runScript } from '../redis/lua-scripts.ts';

/**
 * The two halves of a batch intake that more than one process may run: queueing a committed
 * batch's work items, and removing an uncommitted one. The intake (api) runs them in the
 * request; recovery (any process, batch-intake-recovery.ts) runs them for an intake whose
 * writer died. Both are idempotent: BullMQ ignores an add whose job id it holds, ZADD of a
 * listed id changes nothing, deleting what is gone is a no-op.
 */
export interface BatchIntakeDeps {
  redis: Redis;
  keys: RedisKeys;
  batchKeys: BatchKeys;
  jobs: JobStore;
  batches: BatchStore;
  queues: AccountQueues;
  /** Counts each job queued here as entering `queued`, like a single job's intake. */
  metrics: Metrics;
}

/**
 * Records per step. Small enough that Redis starts on the first while the api encodes the
 * next, and the last leaves Redis little to do once the api is done (250 with 8 in flight:
 * a 10,000-item intake 0.68-0.77 s, against 0.86-0.92 s at 1,000 with 3); large enough that
 * round trips do not dominate.
 */
export const INTAKE_CHUNK = 250;

/**
 * A batch job as queueing needs it; `delayMs` for a job the intake answers itself (a cache
 * hit), whose work item is only its safety net.
 */
export type MemberRef = Pick<JobRecord, 'id' | 'type' | 'owner' | 'batch_id'> & {
  delayMs?: number;
};

/**
 * Lists `members` for their owner and queues their work items, in one MULTI per call (the
 * queues share the intake's connection): they are listed and queued together, or not at all.
 * What recovery does for a committed intake; the intake itself queues each chunk's work items
 * with its records, and lists them after the commit ({@link listMembers}).
 */
export async function queueMembers(
  deps: BatchIntakeDeps,
  members: readonly MemberRef[],
): Promise<void> {
  if (members.length === 0) return;
  const workItems = await memberWorkItems(deps.queues, members);
  const transaction = await queueTransaction(deps.queues.anyQueue, ...workItems.scripts);
  deps.jobs.addIndexes(transaction, members);
  workItems.addTo(transaction);
  await execAll(transaction);
  for (const member of members) deps.metrics.jobs.inc({ type: member.type, status: 'queued' });
}

/** Lists `members` (whose work items are queued) for their owner. */
export async function listMembers(
  deps: BatchIntakeDeps,
  members: readonly MemberRef[],
): Promise<void> {
  const pipeline = deps.redis.pipeline();
  deps.jobs.addIndexes(pipeline, members);
  await execAll(pipeline);
  for (const member of members) deps.metrics.jobs.inc({ type: member.type, status: 'queued' });
}

/**
 * Queues every member of a committed batch, a chunk at a time (read from Redis: the records
 * are all there once committed), then marks the intake done.
 */
export async function queueAllMembers(
  deps: BatchIntakeDeps,
  batchId: string,
  owner: string,
): Promise<number> {
  let queued = 0;
  for await (const ids of memberChunks(deps, batchId)) {
    const types = await typesOf(deps, ids);
    const members = ids.flatMap((id, i) => {
      const type = types[i];
      return type === null || type === undefined ? [] : [{ id, type, owner, batch_id: batchId }];
    });
    await queueMembers(deps, members);
    queued += members.length;
  }
  await finishIntake(deps, batchId);
  return queued;
}

/** The intake is over: the batch no longer counts as one in progress. */
export async function finishIntake(deps: BatchIntakeDeps, batchId: string): Promise<void> {
  const pipeline = deps.redis.multi();
  deps.batches.addFinishIntake(pipeline, batchId);
  pipeline.zrem(deps.keys.intakes, batchId);
  await execAll(pipeline);
}

// KEYS: the batch state. A rollback may start only where no commit happened: the intake is
// still writing (or an earlier rollback began), or the state was never written.
const startRollbackScript = luaScript(
  'intake_start_rollback',
  `
local intake = redis.call('HGET', KEYS[1], 'intake')
if intake == 'queueing' then return 0 end
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 'intake', 'rolling_back') end
return 1
`,
);

/**
 * Removes an uncommitted batch: its work items and job records (never listed before the
 * commit), their places under the owner's queued-jobs cap, and every key of the batch, then
 * its intake entry. False, touching nothing, when the batch did commit (a commit whose answer
 * was lost): it is queued in full instead, by recovery.
 */
export async function rollBackIntake(deps: BatchIntakeDeps, batchId: string): Promise<boolean> {
  const allowed = await runScript(deps.redis, startRollbackScript, [deps.batchKeys.state(batchId)]);
  if (allowed !== 1) return false;
  const owner = (await deps.batches.get(batchId))?.record.owner ?? null;
  for await (const ids of memberChunks(deps, batchId)) {
    // Their work items first (queued with the records): none stays behind for a job that no
    // longer exists. One a worker holds (waiting for the commit) is left to that worker. They
    // go on the queues' connection, but after this chunk's ids were read on the writer's, so
    // after any of the writer's chunks still on its way has landed.
    if (owner !== null) await removeWorkItems(deps, owner, ids);
    const pipeline = deps.redis.pipeline();
    deps.jobs.addDeletes(pipeline, ids);
    pipeline.zrem(deps.batchKeys.jobs(batchId), ...ids);
    // Their places under the owner's queued-jobs cap, taken at admission, are given back.
    if (owner !== null) pipeline.srem(deps.keys.tenantQueued(owner), ...ids);
    await execAll(pipeline);
  }
  const pipeline = deps.redis.multi();
  deps.batches.addDeletes(pipeline, batchId);
  pipeline.zrem(deps.keys.intakes, batchId);
  await execAll(pipeline);
  return true;
}

async function removeWorkItems(
  deps: BatchIntakeDeps,
  owner: string,
  ids: readonly string[],
): Promise<void> {
  const types = await typesOf(deps, ids);
  await Promise.all(
    ids.map(async (id, i) => {
      const type = types[i];
      if (type) await deps.queues.forJob(owner, type).remove(id);
    }),
  );
}

async function* memberChunks(deps: BatchIntakeDeps, batchId: string): AsyncGenerator<string[]> {
  let cursor = '0';
  do {
    const [next, flat] = await deps.redis.zscan(
      deps.batchKeys.jobs(batchId),
      cursor,
      'COUNT',
      INTAKE_CHUNK,
    );
    const ids = flat.filter((_, i) => i % 2 === 0);
    if (ids.length > 0) yield ids;
    cursor = next;
  } while (cursor !== '0');
}

async function typesOf(deps: BatchIntakeDeps, ids: readonly string[]): Promise<(JobType | null)[]> {
  const pipeline = deps.redis.pipeline();
  for (const id of ids) pipeline.hget(deps.keys.job(id), 'type');
  const replies = (await pipeline.exec()) ?? [];
  return replies.map(([error, raw]) => {
    if (error) throw error;
    const type = typeof raw === 'string' ? (JSON.parse(raw) as string) : null;
    return JOB_TYPES.includes(type as JobType) ? (type as JobType) : null;
  });
}

/** Executes a pipeline or transaction; the first failed command is thrown. */
export async function execAll(pipeline: ChainableCommander): Promise<void> {
  const replies = await pipeline.exec();
  if (replies === null) throw new Error('the transaction was discarded');
  for (const [error] of replies) if (error) throw error;
}
