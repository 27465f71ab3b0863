import { availableParallelism, loadavg } from 'node:os';
import type { RedisTopology } from '../harness/bench-redis.ts';
import { check, checkWhere, type Check, type ScenarioResult } from '../harness/results.ts';
import type { Scenario } from '../harness/scenario.ts';
import { round } from '../harness/stats.ts';
import { Stack } from '../harness/stack.ts';
import { measureRound, type RoundFigures } from './b8-round.ts';

const PROCESSES = [1, 2, 4] as const;
const SEED = 8;
/** Each count's rate on the cluster against the single Redis's, measured right before it. */
const CLUSTER_TARGET = 0.8;

/** The Redis topologies B8 compares; the first is the baseline of the others. */
const TOPOLOGIES: { name: string; redis: RedisTopology }[] = [
  { name: 'single Redis', redis: 'single' },
  { name: '3-master Redis Cluster', redis: 'cluster' },
];

/**
 * What `processes` workers need to add up to `processes` × one: a core each, and one more for
 * Redis, which all of them keep busy (the api, the simulator and the bench are idle meanwhile:
 * the jobs are queued before the workers start, and cache hits make no upstream call).
 * docs/benchmarks.md: "where cores allow; report cores".
 */
function coresNeeded(processes: number): number {
  return processes + 1;
}

/**
 * B8, scale-out: `size` cache-hit jobs (one fingerprint, answered once by the upstream before)
 * taken by 1, 2 and 4 worker processes, on one Redis and on a local 3-master Redis Cluster;
 * each rate against 1 process, and the cluster's against the single Redis's. The upstream is
 * out of the way, so this measures what a worker process itself can do and how they add up.
 * The topologies run side by side, round by round, so that each pair sees the same load.
 */
export const b8ScaleOut: Scenario = {
  id: 'B8',
  quick: false,
  async run({ quick, progress }) {
    const size = quick ? 1_000 : 5_000;
    const stacks: Stack[] = [];
    try {
      for (const topology of TOPOLOGIES)
        stacks.push(await Stack.start({ simulator: { speech: 10 }, redis: topology.redis }));
      const apis = await Promise.all(stacks.map((stack) => stack.startApi()));
      const rounds: RoundFigures[][] = TOPOLOGIES.map(() => []);
      for (const processes of PROCESSES) {
        for (const [i, topology] of TOPOLOGIES.entries()) {
          const figures = await measureRound(stacks[i]!, apis[i]!, {
            processes,
            size,
            seed: SEED * 10 + processes,
            label: topology.name,
            progress,
          });
          rounds[i]!.push(figures);
        }
      }
      const baseline = rounds[0]!;
      return TOPOLOGIES.map((topology, i) => row(topology.name, size, rounds[i]!, baseline, i > 0));
    } finally {
      for (const stack of stacks) await stack.stop();
    }
  },
};

function row(
  topology: string,
  size: number,
  rounds: RoundFigures[],
  single: RoundFigures[],
  isCluster: boolean,
): ScenarioResult {
  const cores = availableParallelism();
  const rate = (i: number) => rounds[i]?.rate ?? 0;
  const scaling = (i: number): Check => {
    const processes = PROCESSES[i] ?? 0;
    const target = processes === 2 ? 1.7 : 3;
    return checkWhere(
      cores >= coresNeeded(processes),
      `needs ≥ ${coresNeeded(processes)} cores, has ${cores}`,
      check(`${processes} ÷ 1`, rate(i) / rate(0), '≥', target),
    );
  };
  const checks: Check[] = [
    scaling(1),
    scaling(2),
    check('not cache hits', sum(rounds.map((r) => r.notHits)), '==', 0),
    ...(isCluster
      ? PROCESSES.map((processes, i) =>
          check(`${processes}: ÷ single`, rate(i) / (single[i]?.rate ?? 0), '≥', CLUSTER_TARGET),
        )
      : []),
  ];
  const figures: ScenarioResult['figures'] = {
    topology,
    cores,
    jobs: size,
    load_average_1m: round(loadavg()[0] ?? 0),
    refused_batches: sum(rounds.map((r) => r.refused)),
  };
  for (const [i, processes] of PROCESSES.entries()) {
    const r = rounds[i];
    if (!r) continue;
    figures[`rate_${processes}`] = r.rate;
    figures[`worker_cpu_ms_per_job_${processes}`] = r.workerCpuMsPerJob;
    figures[`redis_cpu_ms_per_job_${processes}`] = r.redisCpuMsPerJob;
    figures[`cores_per_worker_${processes}`] = r.coresPerWorker;
    if (isCluster)
      figures[`cpu_per_job_vs_single_${processes}`] = cpuPerJob(r) / cpuPerJob(single[i]);
  }
  const one = rounds[0];
  return {
    id: 'B8',
    title: `${size.toLocaleString('en')} cache hits, 1/2/4 workers, ${topology}, ${cores} cores`,
    baseline: isCluster
      ? `single Redis: ${single.map((r) => round(r.rate)).join(' / ')} jobs/s`
      : `1 process ${round(rate(0))} jobs/s`,
    measured:
      `${PROCESSES.map((p, i) => `${p}: ${round(rate(i))}`).join(', ')} jobs/s; 1 process: ` +
      `${round(one?.coresPerWorker ?? 0)} cores busy, CPU/job worker ` +
      `${round(one?.workerCpuMsPerJob ?? 0)} ms, Redis ${round(one?.redisCpuMsPerJob ?? 0)} ms` +
      (isCluster
        ? `; CPU/job ÷ single: ${rounds.map((r, i) => round(cpuPerJob(r) / cpuPerJob(single[i]))).join(' / ')}`
        : ''),
    ratio: rate(2) / rate(0),
    checks,
    figures,
  };
}

/**
 * CPU of the workers and Redis per job, ms. The rate depends on how much CPU a shared machine
 * lends the round; this does not, so it is the steadier comparison of two topologies.
 */
function cpuPerJob(round: RoundFigures | undefined): number {
  return round ? round.workerCpuMsPerJob + round.redisCpuMsPerJob : Number.NaN;
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
