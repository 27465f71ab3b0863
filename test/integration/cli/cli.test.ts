import { mkdtemp, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ndjsonLines, type ResultLine } from '../batches/batch-helpers.ts';
import { startTestService, type TestService } from '../e2e/service-harness.ts';
import { batchIdOf, EXAMPLES, hashTree, hasScript, runCli, type CliRun } from './cli-helpers.ts';

const DUBBING = join(EXAMPLES, 'dubbing.csv');
const DEFAULTS = join(EXAMPLES, 'defaults.json');
/** Voices of the dubbing example, one per target. */
const RACHEL = '21m00Tcm4TlvDq8ikWAM';

function upstreamCalls(service: TestService): number {
  return Object.values(service.simulator.counters().requests).reduce((sum, n) => sum + n, 0);
}

/** The sha256 of every output the service recorded, as `<custom_id>/<output name>`. */
async function recordedOutputs(
  service: TestService,
  batchId: string,
): Promise<Map<string, string>> {
  const response = await service.request(`/v1/batches/${batchId}/results`);
  const lines = ndjsonLines<ResultLine>(await response.text());
  return new Map(
    lines.flatMap((line) =>
      line.outputs.map((o) => [`${line.custom_id}/${o.name}`, o.sha256] as const),
    ),
  );
}

/** Files saved by the CLI, keyed like recordedOutputs (the extension dropped). */
async function savedOutputs(dir: string): Promise<Map<string, string>> {
  const files = await hashTree(dir);
  return new Map([...files].map(([path, sha]) => [path.replace(/\.mp3$/, ''), sha]));
}

describe('audiobatch CLI', () => {
  let service: TestService;
  let work: string;
  /** The piped run: its batch, output folder and saved files. */
  let first: { run: CliRun; batchId: string; out: string };

  const submit = (out: string, seed: number, tty = false) =>
    runCli(
      service.url,
      [
        'submit',
        DUBBING,
        '--defaults',
        DEFAULTS,
        '--seed',
        String(seed),
        '--out',
        out,
        '--poll-interval',
        '200',
        '--log-interval',
        '300',
      ],
      { tty },
    );

  beforeAll(async () => {
    service = await startTestService({ storage: 'file' });
    // A little upstream latency, so a run lasts several polls.
    service.simulator.configure({ latencyMs: 150 });
    work = await mkdtemp(join(tmpdir(), 'audiobatch-cli-'));
  });
  afterAll(async () => {
    await service?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('reports bad manifest lines by number and submits nothing', async () => {
    const manifest = join(work, 'bad.csv');
    await writeFile(
      manifest,
      [
        'custom_id,type,input,params.voice_id,params.seed',
        `fine,speech_to_speech,${join(EXAMPLES, 'audio/line-1.wav')},${RACHEL},1`,
        `bad-seed,speech_to_speech,${join(EXAMPLES, 'audio/line-1.wav')},${RACHEL},soon`,
        `no-file,speech_to_speech,nowhere.wav,${RACHEL},1`,
      ].join('\n'),
    );
    const run = await runCli(service.url, ['submit', manifest, '--wait']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('line 3: params.seed: expected number, got "soon"');
    expect(run.stderr).toMatch(/line 4: input: file not found: .*nowhere\.wav/);
    expect(run.stderr).toContain('nothing was submitted');
    for (const path of ['/v1/jobs', '/v1/batches']) {
      const { body } = await service.json<{ data: unknown[] }>(path);
      expect(body.data).toEqual([]);
    }
  });

  it('runs the dubbing example piped: plain progress lines, every output saved and verified', async () => {
    const out = join(work, 'piped');
    const run = await submit(out, 2024);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).not.toContain('\x1b');
    expect(run.stdout).not.toContain('\r');
    expect(run.stdout).toMatch(/^\[\d\d:\d\d:\d\d\] \d\/9 finished \| ok \d/m);
    expect(run.stdout).toMatch(/^\[\d\d:\d\d:\d\d\] 9\/9 finished \| ok 9 /m);
    expect(run.stdout).toContain('9 succeeded (0 from the cache), 0 failed, 0 canceled');
    // What the run cost, in the last progress line and the summary.
    expect(run.stdout).toMatch(/^\[\d\d:\d\d:\d\d\] 9\/9 finished .* \| [1-9][\d,]* characters/m);
    expect(run.stdout).toMatch(/0 canceled, [1-9][\d,]* characters\.$/m);
    const batchId = batchIdOf(run);
    const recorded = await recordedOutputs(service, batchId);
    expect(recorded.size).toBe(9);
    expect(await savedOutputs(out)).toEqual(recorded);
    first = { run, batchId, out };
  });

  it('runs it on a terminal with a live progress bar redrawn in place', async ({ skip }) => {
    if (!hasScript()) skip('util-linux script is not installed');
    // Slower items, so the bar is surely drawn before the last one finishes.
    service.simulator.configure({ latencyMs: 400 });
    const run = await submit(join(work, 'tty'), 77, true).finally(() =>
      service.simulator.configure({ latencyMs: 150 }),
    );
    expect(run.code, run.stdout).toBe(0);
    // cli-progress redraws the line in place: cursor to column 1, bar, clear to the end.
    const frames = run.stdout.split('\x1b[1G').filter((frame) => /█|░/.test(frame));
    expect(frames.length).toBeGreaterThan(1);
    const counts = new Set(frames.map((frame) => /(\d)\/9 \|/.exec(frame)?.[1]));
    expect(counts.size).toBeGreaterThan(1);
    expect(counts).toContain('9');
    expect(run.stdout).not.toMatch(/^\[\d\d:\d\d:\d\d\] /m);
    expect(run.stdout).toContain('9 succeeded');
  });

  it('reruns with the same seed from the cache: no upstream call, identical files', async () => {
    const calls = upstreamCalls(service);
    const out = join(work, 'rerun');
    const run = await submit(out, 2024);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('9 succeeded (9 from the cache)');
    expect(upstreamCalls(service)).toBe(calls);
    expect(await hashTree(out)).toEqual(await hashTree(first.out));
  });

  it('resumes a download: only missing or damaged files are fetched again', async () => {
    const before = await hashTree(first.out);
    const [gone, damaged, kept] = [...before.keys()];
    await unlink(join(first.out, gone as string));
    await writeFile(join(first.out, damaged as string), 'not audio');
    const keptAt = (await stat(join(first.out, kept as string))).mtimeMs;

    const run = await runCli(service.url, ['download', first.batchId, '--out', first.out]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('2 files downloaded');
    expect(run.stdout).toContain('7 already present');
    expect(await hashTree(first.out)).toEqual(before);
    expect((await stat(join(first.out, kept as string))).mtimeMs).toBe(keptAt);
  });

  it('exits 1 with a summary naming the failed items', async () => {
    service.simulator.configure({ rejectVoiceIds: [RACHEL] });
    try {
      const out = join(work, 'failing');
      const run = await submit(out, 99);
      expect(run.code, run.stderr).toBe(1);
      expect(run.stdout).toContain('6 succeeded (0 from the cache), 3 failed, 0 canceled');
      expect(run.stdout).toContain('3 items did not succeed:');
      for (const line of [1, 2, 3]) {
        expect(run.stdout).toMatch(
          new RegExp(`scene-1/line-${line}/rachel  failed  \\S+: .*upstream 404`),
        );
      }
      expect((await hashTree(out)).size).toBe(6);
    } finally {
      service.simulator.configure({ rejectVoiceIds: [] });
    }
  });
});
