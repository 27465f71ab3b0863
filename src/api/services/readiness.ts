import type { Redis } from '../../shared/redis/connections.ts';
import { z } from 'zod';
import { JOB_CLASSES, type JobClass } from '../../shared/jobs/job-types.ts';
import { pauseReason, pauseReasonSchema } from '../../shared/queue/queue-pause.ts';
import type { AccountQueues } from '../../shared/queue/account-queues.ts';
import type { ClassQueue } from '../../shared/queue/queues.ts';
import { DEFAULT_ACCOUNT } from '../../shared/tenants/upstream-accounts.ts';
import { liveHeartbeats } from '../../shared/queue/worker-heartbeats.ts';
import type { RedisKeys } from '../../shared/redis/keys.ts';
import { redisMemory, redisMemorySchema } from '../../shared/redis/redis-memory.ts';
import type { ObjectStorage } from '../../shared/storage/object-storage.ts';
import { resolveFfmpeg, type FfmpegBinary } from '../../shared/media/ffmpeg-binary.ts';
import { ffmpegCheck, ffmpegCheckSchema } from './ffmpeg-check.ts';

const checkStatus = z.enum(['ok', 'fail']);

const queueCheckSchema = z.object({
  status: checkStatus,
  /** Why it fails: `no_workers` (nobody consumes) or `not_consuming` (nobody fetches). */
  problem: z.enum(['no_workers', 'not_consuming']).nullable(),
  /** Jobs waiting for a worker (waiting + prioritized); null when Redis did not answer. */
  waiting: z.number().int().nullable(),
  /** Jobs held by workers now. */
  active: z.number().int().nullable(),
  /** Worker processes consuming the class (fresh heartbeats). */
  workers: z.number().int().nullable(),
  /** Paused (e.g. after the upstream's quota_exceeded): jobs stay queued, nothing fails. */
  paused: z.boolean().nullable(),
  /** Why, when a worker or an admin said so. */
  paused_reason: pauseReasonSchema.nullable(),
  /** When a worker last fetched a job of the class (ISO), null if never. */
  last_fetch_at: z.string().nullable(),
});

const classChecksSchema = z.record(z.enum(JOB_CLASSES), queueCheckSchema);

/** The `/readyz` body, 200 or 503 alike. */
export const readinessSchema = z.object({
  status: z.enum(['ok', 'unavailable']),
  checks: z.object({
    redis: checkStatus,
    storage: checkStatus,
    /** The default upstream account's class queues. */
    workers: classChecksSchema,
    /** Every other upstream account's (UPSTREAM_ACCOUNTS), by account name. */
    accounts: z.record(z.string(), classChecksSchema),
    /** The tool `dub` jobs mix with; its absence warns but does not fail readiness. */
    ffmpeg: ffmpegCheckSchema,
  }),
  /** The default account's classes whose queue is paused: their jobs wait for a resume. */
  paused_classes: z.array(z.enum(JOB_CLASSES)),
  /** Every paused class queue, of every account. */
  paused_queues: z.array(z.object({ account: z.string(), class: z.enum(JOB_CLASSES) })),
  /** Redis memory against maxmemory; null when Redis did not answer. */
  redis_memory: redisMemorySchema.nullable(),
  /**
   * What needs attention without failing readiness: `redis_memory_high` past 80 % of
   * maxmemory (at 100 % a `noeviction` Redis refuses every write); `ffmpeg_unavailable` when
   * `dub` jobs are refused for want of the tool.
   */
  warnings: z.array(z.enum(['redis_memory_high', 'ffmpeg_unavailable'])),
});
export type Readiness = z.infer<typeof readinessSchema>;
type QueueCheck = z.infer<typeof queueCheckSchema>;

/** Each probe's budget: a readiness probe must answer even when a backend hangs. */
const CHECK_TIMEOUT_MS = 2_000;
/** Jobs waiting while idle workers fetch nothing for this long: the workers are not consuming. */
const NOT_CONSUMING_AFTER_MS = 30_000;

/** What readiness probes. */
export type ReadinessDeps = {
  redis: Redis;
  keys: RedisKeys;
  storage: ObjectStorage;
  queues: AccountQueues;
};

/**
 * Ready means work can flow (reliability.md: "health means consuming"): Redis and storage
 * answer, and every class with waiting jobs has workers that take them. "Take them" is judged
 * from the workers' heartbeats: none alive fails at once; alive but idle, with jobs waiting and
 * nothing fetched for NOT_CONSUMING_AFTER_MS (across probes), fails too: that is the stuck
 * consumer a PING would never notice. A paused queue is reported but does not fail readiness:
 * the intake still accepts, and jobs stay queued until resumed.
 */
export function createReadiness(
  deps: ReadinessDeps,
  options: { notConsumingAfterMs?: number; ffmpeg?: () => FfmpegBinary } = {},
): () => Promise<Readiness> {
  const stuckAfterMs = options.notConsumingAfterMs ?? NOT_CONSUMING_AFTER_MS;
  const findFfmpeg = options.ffmpeg ?? (() => resolveFfmpeg());
  // By class queue id: each account's queue is judged on its own.
  const idleSince = new Map<string, number>();

  async function checkQueue({ id, queue }: ClassQueue, now: number): Promise<QueueCheck> {
    try {
      const [counts, paused, reason, live, limitTtl] = await withTimeout(
        Promise.all([
          queue.getJobCounts('waiting', 'prioritized', 'active'),
          queue.isPaused(),
          pauseReason(deps, id),
          liveHeartbeats(deps.redis, deps.keys, id, now),
          queue.getRateLimitTtl(),
        ]),
      );
      const waiting = (counts.waiting ?? 0) + (counts.prioritized ?? 0);
      const active = counts.active ?? 0;
      const lastFetch = Math.max(0, ...live.map((h) => h.last_fetch_at ?? 0));
      const idle =
        waiting > 0 &&
        !paused &&
        limitTtl <= 0 &&
        live.every((h) => h.active === 0) &&
        now - lastFetch > stuckAfterMs;
      if (idle) idleSince.set(id, idleSince.get(id) ?? now);
      else idleSince.delete(id);
      const problem =
        waiting > 0 && !paused && live.length === 0
          ? 'no_workers'
          : idle && now - (idleSince.get(id) ?? now) >= stuckAfterMs
            ? 'not_consuming'
            : null;
      return {
        status: problem ? 'fail' : 'ok',
        problem,
        waiting,
        active,
        workers: live.length,
        paused,
        paused_reason: reason,
        last_fetch_at: lastFetch > 0 ? new Date(lastFetch).toISOString() : null,
      };
    } catch {
      return {
        status: 'fail',
        problem: null,
        waiting: null,
        active: null,
        workers: null,
        paused: null,
        paused_reason: null,
        last_fetch_at: null,
      };
    }
  }

  return async () => {
    const now = Date.now();
    const lanes = deps.queues.all;
    const [redis, storage, memory, ...classes] = await Promise.all([
      probe(deps.redis.ping()),
      probe(deps.storage.ping()),
      withTimeout(redisMemory(deps.redis)).catch(() => null),
      ...lanes.map((lane) => checkQueue(lane, now)),
    ]);
    const checksOf = (account: string) =>
      Object.fromEntries(
        lanes.flatMap((lane, i) =>
          lane.account === account ? [[lane.jobClass, classes[i]!]] : [],
        ),
      ) as Record<JobClass, QueueCheck>;
    const others = deps.queues.accountNames.filter((name) => name !== DEFAULT_ACCOUNT);
    const ready = redis === 'ok' && storage === 'ok' && classes.every((c) => c.status === 'ok');
    const paused = lanes.filter((_, i) => classes[i]!.paused === true);
    const ffmpeg = ffmpegCheck(findFfmpeg());
    return {
      status: ready ? 'ok' : 'unavailable',
      checks: {
        redis,
        storage,
        workers: checksOf(DEFAULT_ACCOUNT),
        accounts: Object.fromEntries(others.map((name) => [name, checksOf(name)])),
        ffmpeg,
      },
      paused_classes: paused.filter((l) => l.account === DEFAULT_ACCOUNT).map((l) => l.jobClass),
      paused_queues: paused.map((l) => ({ account: l.account, class: l.jobClass })),
      redis_memory: memory,
      warnings: [
        ...(memory?.warning ? (['redis_memory_high'] as const) : []),
        ...(ffmpeg.status === 'unavailable' ? (['ffmpeg_unavailable'] as const) : []),
      ],
    };
  };
}

async function probe(check: Promise<unknown>): Promise<'ok' | 'fail'> {
  try {
    await withTimeout(check);
    return 'ok';
  } catch {
    return 'fail';
  }
}

async function withTimeout<T>(promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('check timed out')), CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
