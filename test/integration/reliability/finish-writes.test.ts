import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobEvents } from '../../../src/shared/batches/job-events.ts';
import { JobStore } from '../../../src/shared/jobs/job-store.ts';
import type { JobRecord } from '../../../src/shared/jobs/job-record.ts';
import { AttemptLog, type AttemptEntry } from '../../../src/shared/lifecycle/attempt-log.ts';
import { finishJob, type FinishDeps } from '../../../src/shared/lifecycle/finish-job.ts';
import { jobJsonKey } from '../../../src/shared/lifecycle/job-objects.ts';
import { createLogger } from '../../../src/shared/logger.ts';
import { createRedis, type Redis } from '../../../src/shared/redis/connections.ts';
import { redisKeys } from '../../../src/shared/redis/keys.ts';
import { FileStorage } from '../../../src/shared/storage/file-storage.ts';
import type { PutOptions, StoredObject } from '../../../src/shared/storage/object-storage.ts';
import { dialogueJobRecord, TEST_DEPLOYMENT } from '../../support/job-records.ts';
import { testRedisUrl, uniquePrefix } from '../../support/test-env.ts';

/** How long the pointer's write waits for job.json's to begin before it gives up. */
const OVERLAP_WAIT_MS = 10_000;

/**
 * A file storage whose cache-pointer writes wait until a job.json write has begun: a finish
 * that writes the two one after the other never completes its pointer.
 */
class OverlapStorage extends FileStorage {
  #jobJsonStarted!: () => void;
  readonly jobJsonStarted = new Promise<void>((resolve) => (this.#jobJsonStarted = resolve));

  override async put(
    key: string,
    body: Readable | Buffer | string,
    options?: PutOptions,
  ): Promise<StoredObject> {
    if (key.endsWith('/job.json')) this.#jobJsonStarted();
    if (key.startsWith('cache/')) {
      let timer: NodeJS.Timeout | undefined;
      const gaveUp = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error('the cache pointer waited for job.json: written in a row')),
          OVERLAP_WAIT_MS,
        );
      });
      await Promise.race([this.jobJsonStarted, gaveUp]).finally(() => clearTimeout(timer));
    }
    return super.put(key, body, options);
  }
}

describe('the writes of a finish', () => {
  const prefix = uniquePrefix('finish-writes');
  const keys = redisKeys(prefix);
  let redis: Redis;
  let dir: string;
  beforeAll(async () => {
    redis = createRedis({ kind: 'single', url: testRedisUrl() }, 'worker', 'finish-writes');
    dir = await mkdtemp(join(tmpdir(), 'audiobatch-finish-writes-'));
  });
  afterAll(async () => {
    const stale = await redis.keys(`${prefix}*`);
    if (stale.length > 0) await redis.unlink(...stale);
    redis.disconnect();
    await rm(dir, { recursive: true, force: true });
  });

  /** A job claimed by `runId`, as a worker's run holds it before its finish. */
  async function runningJob(jobs: JobStore, runId: string): Promise<JobRecord> {
    const record = dialogueJobRecord('key_finishwrites');
    const pipeline = redis.pipeline();
    jobs.addCreates(pipeline, [record]);
    await pipeline.exec();
    const claim = await jobs.claim(record.id, runId, 1, new Date().toISOString(), TEST_DEPLOYMENT);
    expect(claim.outcome).toBe('claimed');
    return record;
  }

  /** Finish deps over `storage` and `attempts`, with the finished events they announced. */
  function finishDeps(storage: FileStorage, attempts: AttemptLog) {
    const finishedEvents: string[] = [];
    const announce = (record: JobRecord) => Promise.resolve(void finishedEvents.push(record.id));
    // A one-run finish sends the counts with its commit, then announces only.
    const events = {
      finished: announce,
      countFinished: () => Promise.resolve(true),
      announceFinished: announce,
    } as unknown as JobEvents;
    const deps: FinishDeps = {
      jobs: new JobStore(redis, keys),
      storage,
      attempts,
      events,
      redis,
      keys,
      logger: createLogger({ level: 'silent' }),
    };
    return { deps, finishedEvents };
  }

  function attemptOf(runId: string): AttemptEntry {
    return {
      attempt: 1,
      run_id: runId,
      started_at: new Date().toISOString(),
      finished_at: new Date().toISOString(),
      outcome: 'succeeded',
      upstream_status: 200,
      upstream_code: null,
      request_id: 'req_1',
      headers: {},
      error: null,
    };
  }

  async function jobJsonOf(
    storage: FileStorage,
    id: string,
  ): Promise<{ attempts: AttemptEntry[]; calls: { request_id: string }[] }> {
    return JSON.parse(await readFile(join(storage.root, jobJsonKey(id)), 'utf8')) as {
      attempts: AttemptEntry[];
      calls: { request_id: string }[];
    };
  }

  /** The finish a run makes when its job succeeded, ending `attempt`. */
  function succeedRun(deps: FinishDeps, id: string, runId: string, attempt: AttemptEntry) {
    return finishJob(deps, id, {
      status: 'succeeded',
      from: ['running'],
      runId,
      patch: { outputs: [], cache: 'miss', error: null },
      attempt,
    });
  }

  /** A call of the job as the usage ledger lists it. */
  function callLine(requestId: string): string {
    return JSON.stringify({
      attempt: 1,
      at: new Date().toISOString(),
      endpoint: '/v1/text-to-dialogue',
      status: 200,
      request_id: requestId,
    });
  }

  it('writes the cache pointer and job.json side by side, with the attempt it ends', async () => {
    const storage = new OverlapStorage({ root: join(dir, 'objects') });
    const attempts = new AttemptLog(redis, keys);
    const { deps, finishedEvents } = finishDeps(storage, attempts);
    const runId = 'run_01jabcdefghjkmnpqrstvwxyz1';
    const record = await runningJob(deps.jobs, runId);
    const attempt = attemptOf(runId);

    const finished = await succeedRun(deps, record.id, runId, attempt);

    expect(finished?.status).toBe('succeeded');
    expect((await deps.jobs.get(record.id))?.status).toBe('succeeded');
    expect(finishedEvents).toEqual([record.id]);
    // The attempt went out with the intent, before job.json read the log.
    expect(await attempts.read(record.id)).toEqual([attempt]);
    expect((await jobJsonOf(storage, record.id)).attempts).toEqual([attempt]);
  });

  describe('the history job.json copies', () => {
    /** An attempt log that counts its history reads and lists a late call after the first. */
    class LateCallLog extends AttemptLog {
      reads = 0;
      override async history(jobId: string) {
        const history = await super.history(jobId);
        this.reads += 1;
        if (this.reads === 1) await redis.rpush(keys.jobCalls(jobId), callLine('req_late'));
        return history;
      }
    }

    it('is read with a run’s intent, once: its calls all ended before its finish', async () => {
      const storage = new FileStorage({ root: join(dir, 'history-run') });
      const attempts = new LateCallLog(redis, keys);
      const { deps } = finishDeps(storage, attempts);
      const runId = 'run_01jabcdefghjkmnpqrstvwxyz2';
      const record = await runningJob(deps.jobs, runId);
      await redis.rpush(keys.jobCalls(record.id), callLine('req_run'));
      const attempt = attemptOf(runId);

      await succeedRun(deps, record.id, runId, attempt);

      expect(attempts.reads).toBe(1);
      const document = await jobJsonOf(storage, record.id);
      expect(document.attempts).toEqual([attempt]);
      expect(document.calls.map((call) => call.request_id)).toEqual(['req_run']);
    });

    it('is read afresh by a finish outside a run: a call listed after the intent is kept', async () => {
      const storage = new FileStorage({ root: join(dir, 'history-cancel') });
      const attempts = new LateCallLog(redis, keys);
      const { deps } = finishDeps(storage, attempts);
      const record = await runningJob(deps.jobs, 'run_01jabcdefghjkmnpqrstvwxyz3');

      await finishJob(deps, record.id, {
        status: 'canceled',
        from: ['running'],
        runId: null,
        patch: { error: null },
      });

      expect(attempts.reads).toBe(2);
      const document = await jobJsonOf(storage, record.id);
      expect(document.calls.map((call) => call.request_id)).toEqual(['req_late']);
    });

    it('is read afresh when the attempt entry missed the intent’s round trip', async () => {
      class FailingOnceLog extends AttemptLog {
        failed = false;
        override async append(jobId: string, entry: AttemptEntry) {
          if (this.failed) return super.append(jobId, entry);
          this.failed = true;
          throw new Error('connection reset');
        }
      }
      const storage = new FileStorage({ root: join(dir, 'history-append') });
      const attempts = new FailingOnceLog(redis, keys);
      const { deps } = finishDeps(storage, attempts);
      const runId = 'run_01jabcdefghjkmnpqrstvwxyz4';
      const record = await runningJob(deps.jobs, runId);
      const attempt = attemptOf(runId);

      const finished = await succeedRun(deps, record.id, runId, attempt);

      expect(finished?.status).toBe('succeeded');
      expect((await jobJsonOf(storage, record.id)).attempts).toEqual([attempt]);
    });
  });
});
