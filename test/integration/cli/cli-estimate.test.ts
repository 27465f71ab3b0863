import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForBatch, type BatchView } from '../batches/batch-helpers.ts';
import { startTestService, type TestService } from '../e2e/service-harness.ts';
import { batchIdOf, EXAMPLES, runCli } from './cli-helpers.ts';

const VOICE = 'JBFqnCBsd6RMkjVDRZzb';
const LINES = [
  ['greet', 'Hello there and welcome.'],
  ['ask', 'Did you see the lighthouse?'],
  ['answer', 'Yes — it was lit all night long.'],
] as const;
/** Characters as the upstream counts them: code points. */
const cost = (text: string) => [...text].length;

function upstreamCalls(service: TestService): number {
  return Object.values(service.simulator.counters().requests).reduce((sum, n) => sum + n, 0);
}

describe('audiobatch estimate, and submit --max-characters', () => {
  let service: TestService;
  let work: string;
  let manifest: string;
  let defaults: string;

  beforeAll(async () => {
    // One call at a time, so a budget below one item's cost stops the batch after one call.
    service = await startTestService({
      storage: 'file',
      env: { UPSTREAM_CONCURRENCY: '1', WORKER_CONCURRENCY: '1' },
    });
    work = await mkdtemp(join(tmpdir(), 'audiobatch-estimate-'));
    manifest = join(work, 'lines.csv');
    defaults = join(work, 'defaults.json');
    await writeFile(
      manifest,
      [
        'custom_id,type,params.inputs.0.text,params.inputs.0.voice_id',
        ...LINES.map(([id, text]) => `${id},text_to_dialogue,${text},${VOICE}`),
      ].join('\n'),
    );
    await writeFile(defaults, JSON.stringify({ params: { output_format: 'pcm_16000' } }));
  });
  afterAll(async () => {
    await service?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('prints per-item and total characters from the dry run, submitting nothing', async () => {
    const run = await runCli(service.url, ['estimate', manifest, '--defaults', defaults]);
    expect(run.code, run.stderr).toBe(0);
    const rows = run.stdout.trim().split('\n');
    expect(rows[0]).toMatch(/^line\s+custom_id\s+type\s+characters$/);
    LINES.forEach(([id, text], i) => {
      expect(rows[i + 1]).toMatch(
        new RegExp(`^${i + 2}\\s+${id}\\s+text_to_dialogue\\s+${cost(text)}$`),
      );
    });
    const total = LINES.reduce((sum, [, text]) => sum + cost(text), 0);
    expect(rows.at(-1)).toBe(`Total: 3 items, ${total} characters.`);

    const json = await runCli(service.url, [
      'estimate',
      manifest,
      '--defaults',
      defaults,
      '--json',
    ]);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({
      characters: total,
      unknown_items: 0,
      items: LINES.map(([id, text], index) => ({ index, custom_id: id, characters: cost(text) })),
    });
    expect(upstreamCalls(service)).toBe(0);
    const listed = await service.json<{ data: unknown[] }>('/v1/batches');
    expect(listed.body.data).toEqual([]);
  });

  it('says which items cannot be estimated before a run (encoded input audio)', async () => {
    const run = await runCli(service.url, [
      'estimate',
      join(EXAMPLES, 'dubbing.csv'),
      '--defaults',
      join(EXAMPLES, 'defaults.json'),
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/scene-1\/line-1\/george\s+speech_to_speech\s+unknown/);
    expect(run.stdout).toContain('Total: 9 items, 0 characters (9 items unknown');
  });

  it('names refused items by manifest line, as submit does', async () => {
    const bad = join(work, 'bad.csv');
    await writeFile(
      bad,
      [
        'custom_id,type,params.inputs.0.text,params.inputs.0.voice_id',
        `ok,text_to_dialogue,Fine.,${VOICE}`,
        `long,text_to_dialogue,${'x'.repeat(5_001)},${VOICE}`,
      ].join('\n'),
    );
    const run = await runCli(service.url, ['estimate', bad]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/line 3: params\.inputs: texts total 5001 characters/);
  });

  it('submit --max-characters sets the batch budget, which pauses the batch', async () => {
    const run = await runCli(service.url, [
      'submit',
      manifest,
      '--defaults',
      defaults,
      '--max-characters',
      '10',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('budget 10 characters');
    const batch = (await waitForBatch(
      service,
      batchIdOf(run),
      (b) => b.status === 'paused' && b.counts.running === 0,
    )) as BatchView & { max_characters: number | null; paused_reason: string | null };
    expect(batch.max_characters).toBe(10);
    expect(batch.paused_reason).toBe('budget_exhausted');
    expect(batch.counts.queued).toBeGreaterThan(0);

    const refused = await runCli(service.url, ['submit', manifest, '--max-characters', '0']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--max-characters');
  });
});
