import type { WorkerDeps } from './worker-deps.ts';
import { ABORT_CANCELED } from './worker-deps.ts';

/** Safety net under the broadcast: how often held jobs' cancel flags are read, ms. */
const CANCEL_POLL_MS = 2_000;

export interface CancelListenerHooks {
  /** Ids of the BullMQ jobs this process holds now (job id = job record id). */
  activeJobIds(): string[];
  /** Aborts the job if one of this process's workers holds it. */
  cancel(jobId: string, reason: string): void;
}

/**
 * Cancels of running jobs reach the process holding them. The intake sets `cancel_requested`
 * and publishes on the cancel channel: the message aborts the job at once. Pub/sub is fire and
 * forget (a message sent while this subscriber reconnects is lost), so the flags of held jobs
 * are also polled: a lost message delays a cancel by at most CANCEL_POLL_MS.
 */
export async function createCancelListener(
  deps: Pick<WorkerDeps, 'redis' | 'keys' | 'logger'>,
  hooks: CancelListenerHooks,
): Promise<{ close(): Promise<void> }> {
  const subscriber = deps.redis.duplicate();
  subscriber.on('error', (error) => deps.logger.debug({ err: error }, 'cancel subscriber error'));
  subscriber.on('message', (_channel, jobId: string) => hooks.cancel(jobId, ABORT_CANCELED));
  await subscriber.subscribe(deps.keys.cancelChannel);

  let polling = false;
  const poll = async () => {
    const ids = hooks.activeJobIds();
    if (polling || ids.length === 0) return;
    polling = true;
    try {
      const pipeline = deps.redis.pipeline();
      for (const id of ids) pipeline.hget(deps.keys.job(id), 'cancel_requested');
      const replies = (await pipeline.exec()) ?? [];
      replies.forEach(([error, value], index) => {
        if (!error && value === 'true') hooks.cancel(ids[index]!, ABORT_CANCELED);
      });
    } catch (error) {
      deps.logger.debug({ err: error }, 'cancel poll failed');
    } finally {
      polling = false;
    }
  };
  const timer = setInterval(() => void poll(), CANCEL_POLL_MS);

  return {
    close: async () => {
      clearInterval(timer);
      subscriber.disconnect();
      await Promise.resolve();
    },
  };
}
