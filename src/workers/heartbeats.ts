import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { JOB_CLASSES, type JobClass } from '../shared/jobs/job-types.ts';
import {
  HEARTBEAT_INTERVAL_MS,
  removeHeartbeat,
  writeHeartbeat,
  type Heartbeat,
} from '../shared/queue/worker-heartbeats.ts';
import type { WorkerDeps } from './worker-deps.ts';

/** How long stop() waits to remove the heartbeats. */
const STOP_WAIT_MS = 2_000;

/**
 * Writes this process's heartbeat for every class queue of the account it consumes, at once and then every
 * HEARTBEAT_INTERVAL_MS, so `/readyz` can tell "nobody consumes" from "busy" (see
 * worker-heartbeats.ts). `stop()` removes them: a clean shutdown is not a dead worker.
 */
export function startHeartbeats(
  deps: Pick<WorkerDeps, 'redis' | 'keys' | 'logger' | 'queues'>,
  state: (jobClass: JobClass) => Omit<Heartbeat, 'pid' | 'seen_at'>,
): { stop(): Promise<void> } {
  const instanceId = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const beat = async () => {
    try {
      await Promise.all(
        JOB_CLASSES.map((jobClass) =>
          writeHeartbeat(deps.redis, deps.keys, deps.queues[jobClass].id, instanceId, {
            pid: process.pid,
            seen_at: Date.now(),
            ...state(jobClass),
          }),
        ),
      );
    } catch (error) {
      deps.logger.debug({ err: error }, 'heartbeat failed');
    }
  };
  let last = beat();
  const timer = setInterval(() => {
    last = beat();
  }, HEARTBEAT_INTERVAL_MS);
  return {
    stop: async () => {
      clearInterval(timer);
      const removal = last.then(() =>
        Promise.all(
          JOB_CLASSES.map((jobClass) =>
            removeHeartbeat(deps.redis, deps.keys, deps.queues[jobClass].id, instanceId).catch(
              () => undefined,
            ),
          ),
        ),
      );
      // Redis may be down: a heartbeat left behind goes stale by itself.
      await Promise.race([removal, sleep(STOP_WAIT_MS)]);
    },
  };
}
