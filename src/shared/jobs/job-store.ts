import type { ChainableCommander } from 'ioredis';
import type { Redis } from '../redis/connections.ts';
import type { RedisKeys } from '../redis/keys.ts';
import { uploadIdOfKey } from '../uploads/upload-store.ts';
import { addScript, runScript } from '../redis/lua-scripts.ts';
import { decodeJobRecord, encodeFields, encodeRecord } from './job-record-codec.ts';
import { claimScript, commitScript, transitionScript } from './job-scripts.ts';
import type { JobRecord } from './job-record.ts';
import type { JobStatus, JobType } from './job-types.ts';

/**
 * Job records in Redis: one hash per job (each field JSON-encoded) plus sorted sets that index a
 * key's jobs for listing. Members are job ids with score 0, so they sort lexicographically,
 * which for ULID-based ids is creation order: a cursor is just the last id seen.
 *
 * BullMQ holds the work; this record holds what the API reports. Status changes go through
 * `transition`, a compare-and-set, because workers and the cancel route race for them. Runs
 * are fenced: `claim` gives each delivery its own run id, and a run's own moves (back to the
 * queue, the finish) apply only while the record still names that run.
 */

export type JobPatch = Partial<Omit<JobRecord, 'id' | 'owner' | 'type' | 'created_at'>>;

export type TransitionResult =
  | { outcome: 'applied'; previous: JobStatus }
  | { outcome: 'rejected'; current: JobStatus }
  /** The record's run is not the caller's: a later run took the job over. */
  | { outcome: 'fenced'; current: JobStatus }
  | { outcome: 'missing' };

/** What a delivery found when it tried to start a run of the job. */
export type ClaimResult =
  | { outcome: 'claimed'; record: JobRecord; takeover: boolean }
  /** A finish is on its way (its writer died or is still writing): complete it, run nothing. */
  | { outcome: 'finishing'; record: JobRecord }
  | { outcome: 'finished'; record: JobRecord }
  /** Another deployment accepted the job: its own workers run it, this one must not. */
  | { outcome: 'foreign'; record: JobRecord }
  /** Its batch is still being written (or rolled back): it may run once the batch commits. */
  | { outcome: 'uncommitted' }
  | { outcome: 'missing' };

/** What the claim script answers (job-scripts.ts). */
type ClaimOutcome =
  'missing' | 'uncommitted' | 'foreign' | 'finishing' | 'finished' | 'claimed' | 'takeover';

export interface ListJobsQuery {
  owner: string;
  type?: JobType;
  status?: JobStatus;
  limit: number;
  /** The last id of the previous page; the next page holds older jobs. */
  cursor?: string;
}

export interface JobPage {
  records: JobRecord[];
  nextCursor: string | null;
}

/** How many ids one list call looks at, at most, while filtering by type or status. */
const LIST_SCAN_BUDGET = 2_000;
/** Ids looked at per round trip while filtering. */
const FILTER_PAGE = 200;

export class JobStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  /**
   * Adds the commands that create `records` to a pipeline or transaction of the caller's:
   * their hashes and the owner's index entries (see {@link addRecords}, {@link addIndexes}).
   */
  addCreates(pipeline: ChainableCommander, records: readonly JobRecord[]): void {
    this.addRecords(pipeline, records);
    this.addIndexes(pipeline, records);
  }

  /**
   * One HSET per record: the hashes alone, not yet listed anywhere; and each upload input's
   * users (what keeps an upload in use from being deleted; an id whose record is gone is
   * ignored there, so a rolled-back intake needs no cleanup of it).
   */
  addRecords(pipeline: ChainableCommander, records: readonly JobRecord[]): void {
    const byUpload = new Map<string, string[]>();
    for (const record of records) {
      pipeline.hset(this.keys.job(record.id), encodeRecord(record));
      const upload = uploadIdOfKey(record.input?.key);
      if (upload === null) continue;
      const users = byUpload.get(upload);
      if (users) users.push(record.id);
      else byUpload.set(upload, [record.id]);
    }
    for (const [upload, ids] of byUpload) pipeline.sadd(this.keys.uploadJobs(upload), ...ids);
  }

  /**
   * The owners' index entries of jobs: one ZADD per owner for all of them. One index per owner
   * (no second one by type: `?type=` filters it, see {@link list}), ~120 B per job.
   */
  addIndexes(
    pipeline: ChainableCommander,
    records: readonly Pick<JobRecord, 'id' | 'owner'>[],
  ): void {
    const byOwner = new Map<string, string[]>();
    for (const { id, owner } of records) {
      const ids = byOwner.get(owner);
      if (ids) ids.push(id);
      else byOwner.set(owner, [id]);
    }
    for (const [owner, ids] of byOwner)
      pipeline.zadd(this.keys.ownerJobs(owner), ...ids.flatMap((id) => [0, id]));
  }

  /** Adds the commands deleting the records `ids` (an intake rolled back: never indexed). */
  addDeletes(pipeline: ChainableCommander, ids: readonly string[]): void {
    if (ids.length > 0) pipeline.unlink(...ids.map((id) => this.keys.job(id)));
  }

  async get(id: string): Promise<JobRecord | null> {
    const fields = await this.redis.hgetall(this.keys.job(id));
    return Object.keys(fields).length === 0 ? null : decodeJobRecord(fields, id);
  }

  /** The job when it exists and belongs to `owner`; null otherwise (others' jobs are 404). */
  async getOwned(id: string, owner: string): Promise<JobRecord | null> {
    const record = await this.get(id);
    return record?.owner === owner ? record : null;
  }

  async patch(id: string, patch: JobPatch): Promise<void> {
    await this.redis.hset(this.keys.job(id), encodeFields(patch));
  }

  /**
   * Applies `patch` only if the job's status is one of `from` (any, when empty), no finish is
   * on its way, and, given a `fence` (a run id), the job's run is still that one.
   */
  async transition(
    id: string,
    from: readonly JobStatus[],
    patch: JobPatch,
    fence: string | null = null,
  ): Promise<TransitionResult> {
    const args = Object.entries(encodeFields(patch)).flat();
    const [outcome, status] = (await runScript(
      this.redis,
      transitionScript,
      [this.keys.job(id)],
      [
        JSON.stringify(from.map((s) => JSON.stringify(s))),
        fence === null ? '' : JSON.stringify(fence),
        this.keys.tenantPrefix,
        id,
        ...args,
      ],
    )) as [string, string];
    return transitionOutcome([outcome, status]);
  }

  /**
   * Adds a {@link transition} (without fence) to a transaction of the caller's; its reply is
   * read with {@link transitionOutcome}.
   */
  addTransition(
    pipeline: ChainableCommander,
    id: string,
    from: readonly JobStatus[],
    patch: JobPatch,
  ): void {
    const args = Object.entries(encodeFields(patch)).flat();
    addScript(
      pipeline,
      transitionScript,
      [this.keys.job(id)],
      [JSON.stringify(from.map((s) => JSON.stringify(s))), '', this.keys.tenantPrefix, id, ...args],
    );
  }

  /**
   * Starts run `runId` of the job: queued or running (a takeover from a run that lost its lock)
   * → running, with this run as the only one allowed to finish it. Returns the record as the
   * claim left it, or why no run starts; a job of another deployment than `deployment` is
   * left as it is.
   */
  async claim(
    id: string,
    runId: string,
    attempts: number,
    startedAt: string,
    deployment: string,
  ): Promise<ClaimResult> {
    // The claim and the read go out together (one round trip): one connection runs them in
    // the order sent. A read that missed a claim it follows (a command retried after a
    // reconnect may run out of order) is made again.
    const [outcome, read] = await Promise.all([
      runScript(
        this.redis,
        claimScript,
        [this.keys.job(id)],
        [
          JSON.stringify(runId),
          attempts,
          JSON.stringify(startedAt),
          this.keys.tenantPrefix,
          id,
          JSON.stringify(deployment),
          this.keys.batchPrefix,
        ],
      ) as Promise<ClaimOutcome>,
      this.get(id),
    ]);
    if (outcome === 'missing' || outcome === 'uncommitted') return { outcome };
    const claimed = outcome === 'claimed' || outcome === 'takeover';
    const record = claimed && read?.run_id !== runId ? await this.get(id) : read;
    if (!record) return { outcome: 'missing' };
    if (outcome === 'foreign' || outcome === 'finishing' || outcome === 'finished')
      return { outcome, record };
    return { outcome: 'claimed', record, takeover: outcome === 'takeover' };
  }

  /**
   * The commit of a finish: the intent `intentId` becomes the record's `fields` in one step.
   * False when that intent is no longer there (someone committed it already).
   */
  async commitFinish(id: string, intentId: string, fields: JobPatch): Promise<boolean> {
    const args = Object.entries(encodeFields(fields)).flat();
    const finishedAt = Date.parse(fields.finished_at ?? '') || Date.now();
    const applied = (await runScript(
      this.redis,
      commitScript,
      [this.keys.job(id), this.keys.finishedJobs],
      [`"id":${JSON.stringify(intentId)}`, this.keys.tenantPrefix, id, finishedAt, ...args],
    )) as number;
    return applied === 1;
  }

  /**
   * Newest first, from the owner's one job index. Filtering by type or status looks at most
   * LIST_SCAN_BUDGET ids per call (a page may come back short, with a cursor to go on from):
   * their type and status first, then only the matching records.
   */
  async list(query: ListJobsQuery): Promise<JobPage> {
    const index = this.keys.ownerJobs(query.owner);
    const filtered = query.type !== undefined || query.status !== undefined;
    const records: JobRecord[] = [];
    let upper = query.cursor ? `(${query.cursor}` : '+';
    let scanned = 0;
    while (records.length < query.limit && scanned < LIST_SCAN_BUDGET) {
      const want = filtered
        ? Math.min(FILTER_PAGE, LIST_SCAN_BUDGET - scanned)
        : query.limit - records.length;
      const ids = await this.redis.zrevrangebylex(index, upper, '-', 'LIMIT', 0, want);
      if (ids.length === 0) return { records, nextCursor: null };
      scanned += ids.length;
      const wanted = filtered ? await this.filterIds(ids, idFilter(query)) : ids;
      const read = await this.getMany(wanted);
      const byId = new Map(read.flatMap((record) => (record ? [[record.id, record]] : [])));
      for (const id of ids) {
        upper = `(${id}`;
        const record = byId.get(id);
        if (record && matches(record, query)) records.push(record);
        if (records.length === query.limit) break;
      }
      if (ids.length < want && records.length < query.limit) return { records, nextCursor: null };
    }
    return { records, nextCursor: upper.slice(1) };
  }

  /**
   * The ids among `ids`, in order, whose record has the filter's type and one of its statuses:
   * one round trip reading those two fields only (what a filtered listing looks at before it
   * reads whole records). Missing records are left out.
   */
  async filterIds(ids: readonly string[], filter: IdFilter): Promise<string[]> {
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hmget(this.keys.job(id), 'type', 'status');
    const replies = (await pipeline.exec()) ?? [];
    const type = filter.type === undefined ? undefined : JSON.stringify(filter.type);
    const statuses = filter.statuses?.map((status) => JSON.stringify(status));
    return ids.filter((_, i) => {
      const [error, fields] = replies[i] ?? [null, []];
      if (error) throw error;
      const [storedType, storedStatus] = fields as (string | null)[];
      // Every record has a status: none, no record.
      if (!storedStatus) return false;
      return (
        (type === undefined || type === storedType) &&
        (statuses === undefined || statuses.includes(storedStatus))
      );
    });
  }

  /** Several records in one round trip, in order; null where a record is missing. */
  async getMany(ids: readonly string[]): Promise<(JobRecord | null)[]> {
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.keys.job(id));
    const replies = (await pipeline.exec()) ?? [];
    return replies.map(([error, fields], i) => {
      if (error) throw error;
      const hash = fields as Record<string, string>;
      return Object.keys(hash).length === 0 ? null : decodeJobRecord(hash, ids[i]);
    });
  }
}

/** What a listing's `type` and `status` ask of {@link JobStore.filterIds}. */
export interface IdFilter {
  type?: JobType;
  statuses?: readonly JobStatus[];
}

/** A listing query's filters as an {@link IdFilter}. */
export function idFilter(query: { type?: JobType; status?: JobStatus }): IdFilter {
  return {
    ...(query.type !== undefined && { type: query.type }),
    ...(query.status !== undefined && { statuses: [query.status] }),
  };
}

function matches(record: JobRecord, query: ListJobsQuery): boolean {
  return (
    (query.type === undefined || record.type === query.type) &&
    (query.status === undefined || record.status === query.status)
  );
}

/** A transition script's reply, as a result. */
export function transitionOutcome(reply: unknown): TransitionResult {
  const [outcome, status] = reply as [string, string];
  if (outcome === 'missing') return { outcome: 'missing' };
  const parsed = JSON.parse(status) as JobStatus;
  if (outcome === 'applied') return { outcome: 'applied', previous: parsed };
  return { outcome: outcome === 'fenced' ? 'fenced' : 'rejected', current: parsed };
}
