import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../../support/eventually.ts';
import { ndjsonLines, type BatchView, type ResultLine } from '../batches/batch-helpers.ts';
import { startTestService, type TestService } from '../e2e/service-harness.ts';
import { batchIdOf, EXAMPLES, runCli, type RunCliOptions } from './cli-helpers.ts';

const DUBBING = join(EXAMPLES, 'dubbing.csv');
const DEFAULTS = join(EXAMPLES, 'defaults.json');
/** Items in the dubbing example: three source lines, each by three voices. */
const DUBBING_ITEMS = 9;
const KEY = 'acme-cli-key-0123456789abcdef';

/**
 * The commands beyond submit/status/download, against a real api + worker + simulator with
 * auth on: the key comes from --api-key, the environment or `.env`, never assumed.
 */
describe('audiobatch CLI: jobs list, batches cancel/retry, results, --dry-run, keys', () => {
  let service: TestService;
  let work: string;
  /** The dubbing batch submitted (after a dry run) with reused uploads. */
  let dubbingBatch: string;

  /** Runs the CLI with the key in the environment (unless the test says otherwise). */
  const cli = (args: string[], options: RunCliOptions = {}) =>
    runCli(service.url, args, {
      cwd: work,
      ...options,
      env: { AUDIOBATCH_API_KEY: KEY, ...options.env },
    });
  const api = <T>(path: string, init: RequestInit = {}) =>
    service.json<T>(path, { ...init, key: KEY });
  const waitBatch = async (id: string, done: (batch: BatchView) => boolean) => {
    let batch: BatchView | undefined;
    await waitUntil(
      `batch ${id} is done`,
      async () => done((batch = (await api<BatchView>(`/v1/batches/${id}`)).body)),
      { timeoutMs: 120_000, intervalMs: 100 },
    );
    return batch!;
  };
  const finished = (batch: BatchView) =>
    batch.finished_at !== null && batch.results?.generation === batch.completions;

  beforeAll(async () => {
    service = await startTestService({ storage: 'file', apiKeys: [`acme:${KEY}`] });
    work = await mkdtemp(join(tmpdir(), 'audiobatch-cli-commands-'));
  });
  afterAll(async () => {
    await service?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('takes the key from --api-key, the environment or .env (the environment wins)', async () => {
    const none = await cli(['batches', 'list'], { env: { AUDIOBATCH_API_KEY: undefined } });
    expect(none.code).not.toBe(0);
    expect(none.stderr).toMatch(/unauthorized|401/i);

    const flag = await cli(['batches', 'list', '--api-key', KEY], {
      env: { AUDIOBATCH_API_KEY: undefined },
    });
    expect(flag.code, flag.stderr).toBe(0);
    const flagWins = await cli(['--api-key', KEY, 'batches', 'list'], {
      env: { AUDIOBATCH_API_KEY: 'wrong-key-0123456789' },
    });
    expect(flagWins.code, flagWins.stderr).toBe(0);

    const folder = await mkdtemp(join(work, 'dotenv-'));
    await writeFile(join(folder, '.env'), `# the CLI's settings\nAUDIOBATCH_API_KEY=${KEY}\n`);
    const dotenv = await cli(['batches', 'list'], {
      cwd: folder,
      env: { AUDIOBATCH_API_KEY: undefined },
    });
    expect(dotenv.code, dotenv.stderr).toBe(0);
    const envWins = await cli(['batches', 'list'], {
      cwd: folder,
      env: { AUDIOBATCH_API_KEY: 'wrong-key-0123456789' },
    });
    expect(envWins.code).not.toBe(0);
  });

  it('submit --dry-run prints the estimate and submits nothing; submit then reuses the uploads', async () => {
    const dry = await cli(['submit', DUBBING, '--defaults', DEFAULTS, '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/Uploaded 3 input files to measure them\./);
    expect(dry.stdout).toMatch(/^line\s+custom_id\s+type\s+characters$/m);
    expect(dry.stdout).toMatch(new RegExp(`^Total: ${DUBBING_ITEMS} items, `, 'm'));
    expect(dry.stdout).not.toMatch(/Batch bat_/);
    expect((await api<{ data: unknown[] }>('/v1/batches')).body.data).toEqual([]);
    const uploads = await api<{ data: { id: string }[] }>('/v1/uploads');
    expect(uploads.body.data).toHaveLength(3);

    // The same bytes are not sent again: the service's uploads of them (by sha256) are used.
    const run = await cli(['submit', DUBBING, '--defaults', DEFAULTS, '--seed', '5']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/Reused 3 input files already uploaded\./);
    expect(run.stdout).not.toMatch(/Uploaded/);
    const after = await api<{ data: { id: string }[] }>('/v1/uploads');
    expect(after.body.data.map((u) => u.id).sort()).toEqual(
      uploads.body.data.map((u) => u.id).sort(),
    );
    dubbingBatch = batchIdOf(run);
    await waitBatch(dubbingBatch, finished);
  });

  it("results prints the batch's NDJSON lines, filtered by status", async () => {
    const run = await cli(['results', dubbingBatch]);
    expect(run.code, run.stderr).toBe(0);
    const lines = ndjsonLines<ResultLine>(run.stdout);
    expect(lines).toHaveLength(DUBBING_ITEMS);
    expect(lines.every((line) => line.status === 'succeeded')).toBe(true);
    const served = await service.request(`/v1/batches/${dubbingBatch}/results`, { key: KEY });
    expect(run.stdout.trim()).toBe((await served.text()).trim());

    const failed = await cli(['results', dubbingBatch, '--status', 'failed']);
    expect(failed.code, failed.stderr).toBe(0);
    expect(failed.stdout).toBe('');
    const bad = await cli(['results', dubbingBatch, '--status', 'done']);
    expect(bad.code).toBe(2);
  });

  it('jobs list pages with filters and prints the next page’s command', async () => {
    const first = await cli(['jobs', 'list', '--batch', dubbingBatch, '--limit', '4']);
    expect(first.code, first.stderr).toBe(0);
    const rows = first.stdout.trim().split('\n');
    expect(
      rows.slice(0, 4).every((row) => /^job_\S+\s+speech_to_speech\s+succeeded\s/.test(row)),
    ).toBe(true);
    const more = /^More: audiobatch (jobs list .*--cursor (\S+))$/.exec(rows[4] ?? '');
    expect(more, first.stdout).not.toBeNull();
    expect(more?.[1]).toContain(`--batch ${dubbingBatch}`);

    const ids = new Set(rows.slice(0, 4).map((row) => row.split(/\s+/)[0]));
    let args: string[] | null = (more?.[1] ?? '').split(' ');
    while (args) {
      const page = await cli(args);
      expect(page.code, page.stderr).toBe(0);
      const lines = page.stdout.trim().split('\n');
      for (const line of lines) if (line.startsWith('job_')) ids.add(line.split(/\s+/)[0]);
      const next = /^More: audiobatch (.*)$/.exec(lines.at(-1) ?? '');
      args = next?.[1] ? next[1].split(' ') : null;
    }
    expect(ids.size).toBe(DUBBING_ITEMS);

    const json = await cli([
      'jobs',
      'list',
      '--status',
      'succeeded',
      '--type',
      'speech_to_speech',
      '--limit',
      '100',
      '--json',
    ]);
    expect(json.code, json.stderr).toBe(0);
    const page = JSON.parse(json.stdout) as { data: { status: string; type: string }[] };
    expect(page.data).toHaveLength(DUBBING_ITEMS);
    const none = await cli(['jobs', 'list', '--status', 'failed']);
    expect(none.stdout.trim()).toBe('No jobs.');
  });

  it('batches cancel stops a running batch; batches retry queues it again to success', async () => {
    service.simulator.configure({ latencyMs: 60_000 });
    let batchId: string;
    try {
      const created = await api<BatchView>('/v1/batches', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          items: [1, 2, 3].map((n) => ({
            type: 'music',
            params: { prompt: `cli cancel ${n}`, music_length_ms: 3_000 },
          })),
        }),
      });
      expect(created.status).toBe(202);
      batchId = created.body.id;
      await waitBatch(batchId, (batch) => batch.counts.running > 0);

      const cancel = await cli(['batches', 'cancel', batchId]);
      expect(cancel.code, cancel.stderr).toBe(0);
      expect(cancel.stdout).toMatch(new RegExp(`^Batch ${batchId}: cancel asked; now `));
      const canceled = await waitBatch(batchId, finished);
      expect(canceled.counts.canceled).toBe(3);
    } finally {
      service.simulator.configure({ latencyMs: 0 });
    }

    const retry = await cli(['batches', 'retry', batchId, '--json']);
    expect(retry.code, retry.stderr).toBe(0);
    expect(JSON.parse(retry.stdout)).toMatchObject({ id: batchId });
    const retried = await waitBatch(batchId, (b) => finished(b) && b.counts.succeeded === 3);
    expect(retried.counts.canceled).toBe(0);

    const unknown = await cli(['batches', 'cancel', 'bat_00000000000000000000000000']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/not found/i);
  });
});
