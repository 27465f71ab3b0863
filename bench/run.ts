import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Progress } from './harness/progress.ts';
import { allPassed, formatTable, type ScenarioResult } from './harness/results.ts';
import type { Scenario } from './harness/scenario.ts';
import { Stack } from './harness/stack.ts';
import { b1Intake } from './scenarios/b1-intake.ts';
import { b2BatchIngest } from './scenarios/b2-batch-ingest.ts';
import { b3Saturation } from './scenarios/b3-saturation.ts';
import { b5Memory } from './scenarios/b5-memory.ts';
import { b6Scale } from './scenarios/b6-scale.ts';
import { b7Cache } from './scenarios/b7-cache.ts';
import { b8ScaleOut } from './scenarios/b8-scale-out.ts';

/**
 * `npm run bench [-- --quick] [--only B1,B3] [--profile]`: the scenarios of docs/benchmarks.md against
 * the compiled service (npm run bench builds first), each with its own Redis, storage and
 * simulator. Prints the table, writes bench/results/latest.json, exits 1 when a target is
 * missed (2 when a scenario could not run). `--profile` writes a CPU profile of every service
 * process to bench/results/profiles/.
 */
const SCENARIOS: Scenario[] = [
  b1Intake,
  b2BatchIngest,
  b3Saturation,
  b5Memory,
  b6Scale,
  b7Cache,
  b8ScaleOut,
];
const RESULTS_FILE = new URL('./results/latest.json', import.meta.url);

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    profile: { type: 'boolean', default: false },
  },
});
if (values.profile)
  Stack.profileDir = fileURLToPath(new URL('./results/profiles', import.meta.url));
const quick = values.quick ?? false;
const only = values.only?.split(',').map((id) => id.trim().toUpperCase());
const chosen = SCENARIOS.filter((s) => (only ? only.includes(s.id) : !quick || s.quick));

const progress = new Progress();
const results: ScenarioResult[] = [];
const failures: { id: string; error: string }[] = [];
const startedAt = new Date();
for (const scenario of chosen) {
  progress.begin(scenario.id);
  try {
    const rows = await scenario.run({ quick, progress });
    results.push(...rows);
    for (const row of rows)
      progress.note(
        `${row.id}: ${row.measured} | ${row.checks.every((c) => c.pass) ? 'met' : 'MISSED'}`,
      );
  } catch (error) {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    failures.push({ id: scenario.id, error: message });
    progress.note(`${scenario.id}: could not run: ${message}`);
  }
}

// Only now: a scenario must not pay for the deletions of the one before (Stack.removeFolders).
await Stack.removeFolders();

const machine = {
  cores: availableParallelism(),
  cpu: cpus()[0]?.model ?? 'unknown',
  memory_gib: Math.round((totalmem() / 2 ** 30) * 10) / 10,
  load_average_at_end: loadavg().map((n) => Math.round(n * 100) / 100),
  node: process.version,
  redis: execFileSync('redis-server', ['--version'], { encoding: 'utf8' }).trim(),
};
const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
const passed = failures.length === 0 && allPassed(results);
await mkdir(new URL('.', RESULTS_FILE), { recursive: true });
await writeFile(
  RESULTS_FILE,
  `${JSON.stringify({ started_at: startedAt.toISOString(), finished_at: new Date().toISOString(), command, quick, machine, passed, results, failures }, null, 2)}\n`,
);
console.log(
  `\n${command}: ${machine.cores} cores (${machine.cpu}), ${machine.memory_gib} GiB, ${machine.node}; load average at the end ${machine.load_average_at_end.join(' ')}\n`,
);
console.log(formatTable(results));
for (const failure of failures) console.log(`\n${failure.id} could not run:\n${failure.error}`);
console.log(
  `\n${passed ? 'Every target met.' : 'Some targets missed.'} Results in bench/results/latest.json`,
);
process.exit(failures.length > 0 ? 2 : passed ? 0 : 1);
