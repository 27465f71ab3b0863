import type { Redis } from '../redis/connections.ts';
import { Gauge } from 'prom-client';
import { JOB_CLASSES, type JobClass } from '../jobs/job-types.ts';
import type { ClassQueues } from '../queue/queues.ts';
import { liveHeartbeats } from '../queue/worker-heartbeats.ts';
import type { RedisKeys } from '../redis/keys.ts';
import type { Metrics } from './metrics.ts';

/** Queue states exported as depth. */
const STATES = ['waiting', 'prioritized', 'active', 'delayed', 'failed'] as const;

interface ClassSnapshot {
  counts: Record<(typeof STATES)[number], number>;
  paused: boolean;
  slotsInUse: number;
  liveWorkers: number;
}

export interface QueueMetricsSource {
  queues: ClassQueues;
  redis: Redis;
  keys: RedisKeys;
}

/**
 * Account-wide gauges read from Redis at scrape time: queue depth by state, paused classes,
 * upstream slots in use (every process's leases, not just this one's) and live workers. One
 * snapshot serves all four gauges of a scrape. Redis trouble leaves them out of the scrape
 * rather than failing it: the process's own counters are still worth reading.
 */
export function registerQueueMetrics(metrics: Metrics, source: QueueMetricsSource): void {
  let cached: { at: number; value: Promise<Record<JobClass, ClassSnapshot> | null> } | null = null;
  const snapshot = () => {
    const now = Date.now();
    if (!cached || now - cached.at > 500) {
      cached = { at: now, value: readSnapshot(source).catch(() => null) };
    }
    return cached.value;
  };
  const registers = [metrics.registry];

  new Gauge({
    name: 'audiobatch_queue_jobs',
    help: 'BullMQ jobs by class queue and state',
    labelNames: ['class', 'state'],
    registers,
    async collect() {
      this.reset();
      const all = await snapshot();
      if (!all) return;
      for (const jobClass of JOB_CLASSES) {
        for (const state of STATES) {
          this.set({ class: jobClass, state }, all[jobClass].counts[state]);
        }
      }
    },
  });
  perClassGauge(registers, snapshot, 'audiobatch_queue_paused', 'Class queue paused (1)', (s) =>
    s.paused ? 1 : 0,
  );
  perClassGauge(
    registers,
    snapshot,
    'audiobatch_upstream_slots_in_use',
    'Account-wide upstream slots held, every worker process together',
    (s) => s.slotsInUse,
  );
  perClassGauge(
    registers,
    snapshot,
    'audiobatch_workers_live',
    'Worker processes consuming the class (fresh heartbeats)',
    (s) => s.liveWorkers,
  );
}

function perClassGauge(
  registers: Metrics['registry'][],
  snapshot: () => Promise<Record<JobClass, ClassSnapshot> | null>,
  name: string,
  help: string,
  pick: (snapshot: ClassSnapshot) => number,
): void {
  new Gauge({
    name,
    help,
    labelNames: ['class'],
    registers,
    async collect() {
      this.reset();
      const all = await snapshot();
      if (!all) return;
      for (const jobClass of JOB_CLASSES) this.set({ class: jobClass }, pick(all[jobClass]));
    },
  });
}

async function readSnapshot(source: QueueMetricsSource): Promise<Record<JobClass, ClassSnapshot>> {
  const entries = await Promise.all(
    JOB_CLASSES.map(async (jobClass) => {
      const queue = source.queues[jobClass];
      const [counts, paused, slotsInUse, live] = await Promise.all([
        queue.getJobCounts(...STATES),
        queue.isPaused(),
        source.redis.zcount(source.keys.upstreamSlots(jobClass), Date.now(), '+inf'),
        liveHeartbeats(source.redis, source.keys, jobClass),
      ]);
      const snapshot: ClassSnapshot = {
        counts: Object.fromEntries(
          STATES.map((s) => [s, counts[s] ?? 0]),
        ) as ClassSnapshot['counts'],
        paused,
        slotsInUse,
        liveWorkers: live.length,
      };
      return [jobClass, snapshot] as const;
    }),
  );
  return Object.fromEntries(entries) as Record<JobClass, ClassSnapshot>;
}
