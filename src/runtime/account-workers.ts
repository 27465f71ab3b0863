import { JOB_CLASSES } from '../shared/jobs/job-types.ts';
import type { AccountQueues } from '../shared/queue/account-queues.ts';
import { DEFAULT_ACCOUNT, type UpstreamAccount } from '../shared/tenants/upstream-accounts.ts';
import { createWorkers } from '../workers/create-workers.ts';
import { UpstreamSlots } from '../workers/slots/upstream-slots.ts';
import { createUpstreamClient } from '../workers/upstream/upstream-client.ts';
import type { WorkerDeps } from '../workers/worker-deps.ts';
import { resolveUpstream } from './embedded-upstream.ts';

/** What every account's workers share: all of WorkerDeps but the account's own parts. */
export type SharedWorkerDeps = Omit<WorkerDeps, 'account' | 'upstream' | 'slots' | 'queues'> & {
  /** Every account's queues, on the worker connection. */
  queues: AccountQueues;
};

/**
 * The workers of one upstream account: a client with its key and host, its slot pool (its
 * limits, its Redis keys), and a worker per class queue of its own. `close` stops the workers
 * (their shutdown grace included), then what they used; the caller closes every account's
 * at once, so a shutdown takes one grace period, not one per account.
 */
export async function startAccountWorkers(
  shared: SharedWorkerDeps,
  account: UpstreamAccount,
): Promise<{ close(): Promise<void> }> {
  const { config } = shared;
  const stops: (() => Promise<unknown>)[] = [];
  const close = async () => {
    for (const stop of stops.reverse())
      await stop().catch((err: unknown) =>
        shared.logger.error({ err, account: account.name }, 'stop step failed'),
      );
  };
  try {
    // Logs of another account's jobs say which account ran them.
    const logger =
      account.name === DEFAULT_ACCOUNT
        ? shared.logger
        : shared.logger.child({ account: account.name });
    const target = await resolveUpstream(account, config, logger);
    if (target.simulator) stops.push(() => target.simulator!.close());
    const upstream = createUpstreamClient({
      baseUrl: target.baseUrl,
      apiKey: target.apiKey,
      connectTimeoutMs: config.UPSTREAM_CONNECT_TIMEOUT_MS,
      headersTimeoutMs: config.UPSTREAM_HEADERS_TIMEOUT_MS,
      bodyIdleTimeoutMs: config.UPSTREAM_BODY_IDLE_TIMEOUT_MS,
    });
    stops.push(() => upstream.close());
    const slots = new UpstreamSlots({
      redis: shared.redis,
      keys: shared.keys,
      account: account.name,
      limits: account.limits,
      // A killed worker's slots come back when its jobs do: when their locks expire.
      leaseMs: config.WORKER_LOCK_DURATION_MS,
      maxWaitMs: config.UPSTREAM_SLOT_WAIT_MS,
      logger,
      metrics: shared.metrics,
    });
    await slots.start();
    stops.push(() => slots.close());
    const queues = Object.fromEntries(
      JOB_CLASSES.map((jobClass) => [jobClass, shared.queues.find(account.name, jobClass)!]),
    ) as WorkerDeps['queues'];
    const workers = await createWorkers({
      ...shared,
      logger,
      account,
      upstream,
      slots,
      queues,
    });
    stops.push(() => workers.close());
    return { close };
  } catch (error) {
    await close();
    throw error;
  }
}
