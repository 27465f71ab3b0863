import type { Logger } from '../logger.ts';
import { queueAllMembers, rollBackIntake, type BatchIntakeDeps } from './batch-intake-steps.ts';
import { luaScript, runScript } from '../redis/lua-scripts.ts';

export interface IntakeRecoveryDeps extends BatchIntakeDeps {
  logger: Logger;
  /** How long an intake may go without progress before it counts as abandoned, ms. */
  leaseMs: number;
}

// Takes an abandoned intake over: only if its deadline (ARGV[1] = now) has passed, pushing it
// to ARGV[2], so two processes never recover one intake at once.
const takeOverScript = luaScript(
  'intake_take_over',
  `
local deadline = redis.call('ZSCORE', KEYS[1], ARGV[3])
if not deadline or tonumber(deadline) > tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
return 1
`,
);

/** Intakes looked at per sweep: recovery goes on at the next sweep. */
const SWEEP_LIMIT = 20;

/**
 * Finds batch intakes whose writer stopped making progress (killed, or Redis trouble it could
 * not undo) and ends them the one way their state allows (reliability I3):
 * - still `writing` (uncommitted, invisible): rolled back, leaving nothing;
 * - `queueing` (committed, visible): every work item queued, so the batch runs and ends.
 * Run by every process, every INTAKE_RECOVERY_INTERVAL_MS: whichever notices first recovers.
 */
export async function recoverIntakes(deps: IntakeRecoveryDeps): Promise<number> {
  const now = Date.now();
  const due = await deps.redis.zrangebyscore(
    deps.keys.intakes,
    '-inf',
    now,
    'LIMIT',
    0,
    SWEEP_LIMIT,
  );
  let recovered = 0;
  for (const batchId of due) {
    const taken = await runScript(
      deps.redis,
      takeOverScript,
      [deps.keys.intakes],
      [now, now + deps.leaseMs, batchId],
    );
    if (taken !== 1) continue;
    const batch = await deps.batches.get(batchId);
    if (batch?.state.intake === 'queueing') {
      const queued = await queueAllMembers(deps, batchId, batch.record.owner);
      deps.metrics.intakeRecoveries.inc({ outcome: 'queued' });
      deps.logger.warn(
        { batch_id: batchId, jobs: queued },
        'recovered an interrupted batch intake: its jobs are queued',
      );
    } else {
      await rollBackIntake(deps, batchId);
      deps.metrics.intakeRecoveries.inc({ outcome: 'rolled_back' });
      deps.logger.warn(
        { batch_id: batchId },
        'recovered an interrupted batch intake: it never committed, so nothing of it is kept',
      );
    }
    recovered++;
  }
  return recovered;
}

/**
 * Runs {@link recoverIntakes} every `intervalMs` until stopped (the first sweep after one
 * interval: the process's connections are ready by then).
 */
export function startIntakeRecovery(
  deps: IntakeRecoveryDeps,
  intervalMs: number,
): { stop(): Promise<void> } {
  let running: Promise<unknown> | null = null;
  const sweep = () => {
    if (running) return; // a slow sweep is still at it
    running = recoverIntakes(deps)
      .catch((error: unknown) =>
        deps.logger.warn({ err: error }, 'batch intake recovery failed; it runs again shortly'),
      )
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(sweep, intervalMs);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
