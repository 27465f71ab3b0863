import type { Redis } from '../redis/connections.ts';
import { Gauge } from 'prom-client';
import type { AccountQueues } from '../queue/account-queues.ts';
import { liveHeartbeats } from '../queue/worker-heartbeats.ts';
import type { RedisKeys } from '../redis/keys.ts';
import { DEFAULT_ACCOUNT } from '../tenants/upstream-accounts.ts';
import type { Metrics } from './metrics.ts';

/** Queue states exported as depth. */
const STATES = ['waiting', 'prioritized', 'active', 'delayed', 'failed'] as const;

interface ClassSnapshot {
  /** Labels of the class queue's series (see {@link classLabels}). */
  labels: ReturnType<typeof classLabels>;
  counts: Record<(typeof STATES)[number], number>;
  paused: boolean;
  slotsInUse: number;
  liveWorkers: number;
}

export interface QueueMetricsSource {
  queues: AccountQueues;
  redis: Redis;
  keys: RedisKeys;
}

/**
 * Account-wide gauges read from Redis at scrape time: queue depth by state, paused classes,
 * upstream slots in use (every process's leases, not just this one's) and live workers, per
 * upstream account and class. One snapshot serves all four gauges of a scrape. Redis trouble
 * leaves them out of the scrape rather than failing it: the process's own counters are still
 * worth reading.
 */
export function registerQueueMetrics(metrics: Metrics, source: QueueMetricsSource): void {
  let cached: { at: number; value: Promise<ClassSnapshot[] | null> } | null = null;
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
    labelNames: ['class', 'state', 'account'],
    registers,
    async collect() {
      this.reset();
      for (const one of (await snapshot()) ?? []) {
        for (const state of STATES) this.set({ ...one.labels, state }, one.counts[state]);
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
  snapshot: () => Promise<ClassSnapshot[] | null>,
  name: string,
  help: string,
  pick: (snapshot: ClassSnapshot) => number,
): void {
  new Gauge({
    name,
    help,
    labelNames: ['class', 'account'],
    registers,
    async collect() {
      this.reset();
      for (const one of (await snapshot()) ?? []) this.set(one.labels, pick(one));
    },
  });
}

/**
 * Labels of a per-class series. The default account's carry no `account` label, as they did
 * before accounts existed (dashboards and alerts keep matching them); every other account's
 * carry its name.
 */
export function classLabels(
  jobClass: string,
  account: string = DEFAULT_ACCOUNT,
): { class: string; account?: string } {
  return account === DEFAULT_ACCOUNT ? { class: jobClass } : { class: jobClass, account };
}

async function readSnapshot(source: QueueMetricsSource): Promise<ClassSnapshot[]> {
  return Promise.all(
    source.queues.all.map(async (target) => {
      const [counts, paused, slotsInUse, live] = await Promise.all([
        target.queue.getJobCounts(...STATES),
        target.queue.isPaused(),
        source.redis.zcount(source.keys.upstreamSlots(target.id), Date.now(), '+inf'),
        liveHeartbeats(source.redis, source.keys, target.id),
      ]);
      return {
        labels: classLabels(target.jobClass, target.account),
        counts: Object.fromEntries(
          STATES.map((s) => [s, counts[s] ?? 0]),
        ) as ClassSnapshot['counts'],
        paused,
        slotsInUse,
        liveWorkers: live.length,
      };
    }),
  );
}
