import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resultsOf } from '../batches/batch-helpers.ts';
import { startTestService, type TestService } from '../e2e/service-harness.ts';
import { batchIdOf, runCli } from './cli-helpers.ts';

const LINES = [
  ['greet', 'Hello there.'],
  ['ask', 'Is anyone home?'],
] as const;

describe('audiobatch submit and estimate --matrix', () => {
  let service: TestService;
  let work: string;
  let manifest: string;

  beforeAll(async () => {
    service = await startTestService({ storage: 'file' });
    work = await mkdtemp(join(tmpdir(), 'audiobatch-matrix-'));
    manifest = join(work, 'lines.csv');
    // No voice in the manifest: the matrix gives every line its voices.
    await writeFile(
      manifest,
      [
        'custom_id,type,params.inputs.0.text,params.output_format',
        ...LINES.map(([id, text]) => `${id},text_to_dialogue,${text},pcm_16000`),
      ].join('\n'),
    );
  });
  afterAll(async () => {
    await service?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('estimates one row per combination', async () => {
    const run = await runCli(service.url, [
      'estimate',
      manifest,
      '--matrix',
      'params.inputs.0.voice_id=voiceA,voiceB,voiceC',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const rows = run.stdout.trim().split('\n');
    expect(rows).toHaveLength(1 + 6 + 1);
    expect(rows[1]).toMatch(/^2\s+greet\/voice_id=voiceA\s+text_to_dialogue\s+12$/);
    expect(rows[6]).toMatch(/^3\s+ask\/voice_id=voiceC\s+text_to_dialogue\s+15$/);
    expect(rows.at(-1)).toBe('Total: 6 items, 81 characters.');
  });

  it('submits 2 lines × 3 voices × 2 seeds as 12 jobs and downloads each combination', async () => {
    const out = join(work, 'out');
    const run = await runCli(service.url, [
      'submit',
      manifest,
      '--matrix',
      'params.inputs.0.voice_id=voiceA,voiceB,voiceC',
      '--matrix',
      'params.seed=1,2',
      '--out',
      out,
    ]);
    expect(run.code, run.stderr).toBe(0);
    const results = await resultsOf(service, batchIdOf(run));
    expect(results.size).toBe(12);
    const line = results.get('ask/voice_id=voiceB/seed=2');
    expect(line).toMatchObject({ status: 'succeeded', seed: 2 });
    expect([...results.values()].every((result) => result.status === 'succeeded')).toBe(true);
    expect((await readdir(join(out, 'ask', 'voice_id=voiceB'))).sort()).toEqual([
      'seed=1',
      'seed=2',
    ]);
  });

  it('refuses a malformed --matrix, or one the manifest’s types cannot take, naming the axis', async () => {
    const malformed = await runCli(service.url, ['estimate', manifest, '--matrix', 'voices']);
    expect(malformed.code).not.toBe(0);
    expect(malformed.stderr).toContain('must be PATH=VALUE,VALUE');

    const badPath = await runCli(service.url, [
      'estimate',
      manifest,
      '--matrix',
      'params.inputs.0.voice_id=a',
      '--matrix',
      'params.voice_id=a,b',
    ]);
    expect(badPath.code).not.toBe(0);
    expect(badPath.stderr).toContain(
      '--matrix params.voice_id: is not a field of text_to_dialogue items',
    );
  });
});
