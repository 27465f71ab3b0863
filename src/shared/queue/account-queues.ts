import type { Queue } from 'bullmq';
import { JOB_CLASS_OF, JOB_CLASSES, type JobClass, type JobType } from '../jobs/job-types.ts';
import type { Redis } from '../redis/connections.ts';
import type { AccountRouting } from '../tenants/upstream-accounts.ts';
import { FairShare } from './fair-share.ts';
import type { TenantWeightMap } from '../tenants/tenant-weights.ts';
import {
  classQueueId,
  closeQueues,
  createQueues,
  type ClassQueue,
  type ClassQueues,
  type QueuePayload,
  type QueueSettings,
} from './queues.ts';

/**
 * Every upstream account's class queues, and the one rule that picks a job's queue: its
 * owner's account, its type's class. Everything that must see all the work (cancel, readiness,
 * metrics, the admin routes, the dashboard) walks {@link all}; a job is looked up in every
 * account's queue of its class, since a tenant moved to another account leaves its queued jobs
 * where they were.
 */
export class AccountQueues {
  readonly #byAccount: ReadonlyMap<string, ClassQueues>;
  readonly #routing: AccountRouting;
  readonly #fairShare: FairShare;
  /** Every account's queue of every class, the default account's first. */
  readonly all: readonly ClassQueue[];
  /** Every account's name, the default first. */
  readonly accountNames: readonly string[];

  constructor(
    byAccount: ReadonlyMap<string, ClassQueues>,
    routing: AccountRouting,
    weights?: TenantWeightMap,
  ) {
    this.#byAccount = byAccount;
    this.#routing = routing;
    this.#fairShare = new FairShare(weights);
    this.accountNames = [...byAccount.keys()];
    this.all = [...byAccount].flatMap(([account, queues]) =>
      JOB_CLASSES.map((jobClass) => ({
        account,
        jobClass,
        id: classQueueId(jobClass, account),
        queue: queues[jobClass],
      })),
    );
  }

  /** The queue a tenant's new work item of `type` goes to. */
  forJob(owner: string, type: JobType): Queue<QueuePayload> {
    return this.account(this.#routing.accountOf(owner))[JOB_CLASS_OF[type]];
  }

  /**
   * The BullMQ priorities of `count` new work items of `owner` in `queue` (from
   * {@link forJob}), in order: its fair share of the account (fair-share.ts). One EVALSHA;
   * call it before opening the MULTI that adds the items.
   */
  reservePriorities(queue: Queue<QueuePayload>, owner: string, count: number): Promise<number[]> {
    return this.#fairShare.reserve(queue, owner, count);
  }

  /**
   * Any one queue, for a MULTI: every queue shares the connection, so work items of any
   * account can be added to a transaction opened on it.
   */
  get anyQueue(): Queue<QueuePayload> {
    return this.all[0]!.queue;
  }

  /** Every account's queue of a class: where a job of that class may be. */
  ofClass(jobClass: JobClass): Queue<QueuePayload>[] {
    return this.all.filter((entry) => entry.jobClass === jobClass).map((entry) => entry.queue);
  }

  /** An account's queue of a class, or undefined for a name no account has. */
  find(account: string, jobClass: JobClass): ClassQueue | undefined {
    return this.all.find((entry) => entry.account === account && entry.jobClass === jobClass);
  }

  /** An account's class queues; throws for a name no account has (a bug, not input). */
  account(name: string): ClassQueues {
    const queues = this.#byAccount.get(name);
    if (!queues) throw new Error(`no upstream account named ${name}`);
    return queues;
  }

  close(): Promise<void> {
    return Promise.all([...this.#byAccount.values()].map(closeQueues)).then(() => undefined);
  }
}

/** Every account's producer-side queues, on one connection. */
export function createAccountQueues(
  connection: Redis,
  settings: QueueSettings,
  routing: AccountRouting,
  weights?: TenantWeightMap,
): AccountQueues {
  const byAccount = new Map(
    routing.names.map((account) => [account, createQueues(connection, settings, account)]),
  );
  return new AccountQueues(byAccount, routing, weights);
}
