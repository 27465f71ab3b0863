import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from '../redis/connections.ts';
import { z } from 'zod';
import { JOB_CLASSES, type JobClass } from '../jobs/job-types.ts';
import { DEFAULT_ACCOUNT } from '../tenants/upstream-accounts.ts';

/**
 * One BullMQ queue per upstream account and concurrency class, so each class's account limit
 * can be held by its own queue (speech-class and music-class calls do not block each other, nor
 * do two accounts' calls, nor does one account's paused queue hold another's jobs).
 */

/**
 * What a queued BullMQ job carries: nothing, its BullMQ id being its job record's id (the
 * record holds the rest). `job_id` is that id again in work items queued by releases before
 * 2026-12-06 (~40 B per item), and in a dub's step jobs, whose own ids are not the dub's.
 */
export const queuePayloadSchema = z.object({
  job_id: z.string().optional(),
});
export type QueuePayload = z.infer<typeof queuePayloadSchema>;

/** The id of the job record a work item (or a dub's step job) is for. */
export function recordIdOf(job: { id?: string | undefined; data: QueuePayload }): string {
  return job.data.job_id ?? job.id ?? '';
}

/** Name of the backoff strategy the workers implement (full jitter, Retry-After honoured). */
export const UPSTREAM_BACKOFF = 'upstream';

export interface QueueSettings {
  prefix: string;
  attempts: number;
  backoffMs: number;
}

/**
 * What names an account's class queue, its BullMQ queue (`jobs-<id>`) and its Redis keys
 * (slots, pause, heartbeats): `speech` for the default account (the names of before accounts
 * existed, so an upgrade finds its queued jobs), `speech.<account>` for the others.
 */
export function classQueueId(jobClass: JobClass, account: string = DEFAULT_ACCOUNT): string {
  return account === DEFAULT_ACCOUNT ? jobClass : `${jobClass}.${account}`;
}

export function queueName(jobClass: JobClass, account: string = DEFAULT_ACCOUNT): string {
  return `jobs-${classQueueId(jobClass, account)}`;
}

/**
 * What each work item carries in its own options (a copy in every BullMQ job hash, so only
 * what has no worker-wide setting: how finished items expire is {@link WORK_ITEM_EXPIRY}).
 */
export function defaultJobOptions(settings: QueueSettings): JobsOptions {
  return {
    attempts: settings.attempts,
    backoff: { type: UPSTREAM_BACKOFF, delay: settings.backoffMs },
  };
}

/**
 * How long BullMQ keeps a finished work item, set on the class queues' workers rather than
 * per item (~60 B less in each of 100,000 queued job hashes; an item's own options, as items
 * queued by earlier releases carry, still win). The durable record is the job hash and
 * job.json in storage; BullMQ's copy is only work.
 */
export const WORK_ITEM_EXPIRY = {
  removeOnComplete: { age: 24 * 3600 },
  removeOnFail: { age: 7 * 24 * 3600 },
} as const;

/** One account's class queues. */
export type ClassQueues = Record<JobClass, Queue<QueuePayload>>;

/** One account's queue of one class, with the id its Redis keys use. */
export interface ClassQueue {
  account: string;
  jobClass: JobClass;
  /** {@link classQueueId}: `speech`, `music.acme`… */
  id: string;
  queue: Queue<QueuePayload>;
}

/**
 * An account's producer-side queues (the default account's unless named); `connection` should
 * be an intake (fail-fast) connection.
 */
export function createQueues(
  connection: Redis,
  settings: QueueSettings,
  account: string = DEFAULT_ACCOUNT,
): ClassQueues {
  const entries = JOB_CLASSES.map((jobClass) => [
    jobClass,
    quietQueue(
      new Queue<QueuePayload>(queueName(jobClass, account), {
        connection,
        prefix: settings.prefix,
        defaultJobOptions: defaultJobOptions(settings),
      }),
    ),
  ]);
  return Object.fromEntries(entries) as ClassQueues;
}

export async function closeQueues(queues: ClassQueues): Promise<void> {
  await Promise.all(Object.values(queues).map((queue) => queue.close()));
}

/**
 * A producer queue re-emits its connection's errors; with no listener BullMQ prints them raw to
 * stderr on every reconnect attempt. The connection's own listener (runtime/connection-log.ts)
 * already logs an outage once, so the queue's copies are dropped here.
 */
export function quietQueue<Q extends { on(event: 'error', listener: () => void): unknown }>(
  queue: Q,
): Q {
  queue.on('error', () => undefined);
  return queue;
}
