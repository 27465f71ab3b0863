/**
 * `npm run bench`. The scenarios of docs/benchmarks.md (intake throughput, batch ingest,
 * upstream saturation, per-job overhead, memory, scale, cache) arrive with the benchmark issue;
 * until then this says so instead of printing numbers that measure nothing.
 */
console.log(
  'npm run bench: not yet. The benchmark scenarios (B1–B7) come with the benchmark issue.',
);
