import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { JOB_CLASSES } from '../jobs/job-types.ts';

/**
 * The service's Prometheus instruments, on a registry of their own (not prom-client's global
 * one), so two services in one process (tests) never share counts. A process serves one
 * registry on `/metrics`: the intake's, the worker listener's, or both roles' in `npm start`.
 */
export interface Metrics {
  readonly registry: Registry;
  /** Jobs entering a status, by type: queued at intake (single or batch), on a retry or a requeue; running on claim; then the end. */
  readonly jobs: Counter<'type' | 'status'>;
  /** Attempts by type and outcome (succeeded, cache_hit, retry, failed, requeued_*, …). */
  readonly attempts: Counter<'type' | 'outcome'>;
  /** Fingerprint cache lookups by type, hit or miss. */
  readonly cacheLookups: Counter<'type' | 'result'>;
  /** Upstream call time, request start to the body's end, by endpoint template and status. */
  readonly upstreamLatency: Histogram<'endpoint' | 'status'>;
  /**
   * Per-job overhead: from the end of the upstream body to the job reading `succeeded` (store,
   * probe, commit, job.json, events), by type. What the service adds to the upstream's time.
   */
  readonly finishOverhead: Histogram<'type'>;
  /** Upstream answers by endpoint, status (`network` when none) and error code (`none` on 2xx). */
  readonly upstreamResponses: Counter<'endpoint' | 'status' | 'code'>;
  /** Upstream 429s by class and code: concurrency refusals, system_busy, rate limits. */
  readonly upstream429: Counter<'class' | 'code'>;
  /** Characters the upstream billed (`character-cost`), by job type and tenant. */
  readonly upstreamCharacters: Counter<'type' | 'tenant'>;
  /** Upstream calls that went out, by job type, tenant and whether they were billed. */
  readonly upstreamCalls: Counter<'type' | 'tenant' | 'billed'>;
  /** Upstream calls this process has in flight, by class. */
  readonly upstreamInFlight: Gauge<'class' | 'account'>;
  /** Time spent waiting for an account-wide slot, by class. */
  readonly slotWait: Histogram<'class' | 'account'>;
  /** Idempotent replays at the intake, by route. */
  readonly idempotentReplays: Counter<'scope'>;
  /** Runs that took a job over from a run that lost its lock (possible double runs). */
  readonly takeovers: Counter<'type'>;
  /** Jobs this worker refused because another deployment (another storage) accepted them. */
  readonly foreignJobs: Counter;
  /** 1 while this process's storage is not its deployment's: it refuses to consume. */
  readonly deploymentMismatch: Gauge;
  /** Batch intakes another process left unfinished, recovered here, by how. */
  readonly intakeRecoveries: Counter<'outcome'>;
}

export interface MetricsOptions {
  /** Process metrics (CPU, memory, event loop lag): on for a real process, off in tests. */
  defaultMetrics?: boolean;
}

/** A fresh registry with every instrument registered and zeroed per class. */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'audiobatch_' });
  const registers = [registry];
  const metrics: Metrics = {
    registry,
    jobs: new Counter({
      name: 'audiobatch_jobs_total',
      help: 'Jobs entering a status, by type and status',
      labelNames: ['type', 'status'],
      registers,
    }),
    attempts: new Counter({
      name: 'audiobatch_job_attempts_total',
      help: 'Job attempts by type and outcome',
      labelNames: ['type', 'outcome'],
      registers,
    }),
    cacheLookups: new Counter({
      name: 'audiobatch_cache_lookups_total',
      help: 'Fingerprint cache lookups by type and result (hit, miss)',
      labelNames: ['type', 'result'],
      registers,
    }),
    upstreamLatency: new Histogram({
      name: 'audiobatch_upstream_request_duration_seconds',
      help: 'Upstream call duration, request start to the end of the body',
      labelNames: ['endpoint', 'status'],
      // Generation takes from a fraction of a second (plans) to minutes (long music).
      buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
      registers,
    }),
    finishOverhead: new Histogram({
      name: 'audiobatch_finish_overhead_seconds',
      help: 'Time from the end of the upstream body to the job reading succeeded',
      labelNames: ['type'],
      // The target is p50 < 10 ms and p99 < 50 ms: fine buckets on both sides of each, so a
      // quantile is not interpolated across a bucket as wide as the target itself.
      buckets: [
        0.001, 0.0025, 0.005, 0.0075, 0.01, 0.0125, 0.015, 0.02, 0.025, 0.03, 0.035, 0.04, 0.045,
        0.05, 0.06, 0.075, 0.1, 0.25, 0.5, 1, 5,
      ],
      registers,
    }),
    upstreamResponses: new Counter({
      name: 'audiobatch_upstream_responses_total',
      help: 'Upstream responses by endpoint, HTTP status and error code',
      labelNames: ['endpoint', 'status', 'code'],
      registers,
    }),
    upstream429: new Counter({
      name: 'audiobatch_upstream_429_total',
      help: 'Upstream 429 answers by class and error code',
      labelNames: ['class', 'code'],
      registers,
    }),
    upstreamCharacters: new Counter({
      name: 'audiobatch_upstream_characters_total',
      help: 'Characters the upstream billed (character-cost), by job type and tenant',
      labelNames: ['type', 'tenant'],
      registers,
    }),
    upstreamCalls: new Counter({
      name: 'audiobatch_upstream_calls_total',
      help: 'Upstream calls made, failed ones included, by job type, tenant and billed (yes/no)',
      labelNames: ['type', 'tenant', 'billed'],
      registers,
    }),
    upstreamInFlight: new Gauge({
      name: 'audiobatch_upstream_in_flight',
      help: 'Upstream calls this process has in flight, by class (and account, but the default)',
      labelNames: ['class', 'account'],
      registers,
    }),
    slotWait: new Histogram({
      name: 'audiobatch_upstream_slot_wait_seconds',
      help: 'Time waited for an account-wide upstream slot, by class (and account, but the default)',
      labelNames: ['class', 'account'],
      buckets: [0.005, 0.05, 0.25, 1, 5, 15, 60],
      registers,
    }),
    idempotentReplays: new Counter({
      name: 'audiobatch_idempotent_replays_total',
      help: 'Requests answered from an earlier one with the same Idempotency-Key',
      labelNames: ['scope'],
      registers,
    }),
    takeovers: new Counter({
      name: 'audiobatch_job_takeovers_total',
      help: 'Runs that took a job over from a run that had lost its lock, by type',
      labelNames: ['type'],
      registers,
    }),
    foreignJobs: new Counter({
      name: 'audiobatch_foreign_jobs_refused_total',
      help: 'Jobs refused because another deployment (another storage) accepted them',
      registers,
    }),
    deploymentMismatch: new Gauge({
      name: 'audiobatch_deployment_mismatch',
      help: '1 while this process refuses to consume: its storage is not its deployment’s',
      registers,
    }),
    intakeRecoveries: new Counter({
      name: 'audiobatch_intake_recoveries_total',
      help: 'Interrupted batch intakes recovered by this process, by outcome',
      labelNames: ['outcome'],
      registers,
    }),
  };
  for (const jobClass of JOB_CLASSES) metrics.upstreamInFlight.set({ class: jobClass }, 0);
  metrics.deploymentMismatch.set(0);
  return metrics;
}
