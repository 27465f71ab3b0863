import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../../src/simulator/index.ts';
import { startRecordingProxy, type RecordingProxy } from '../../support/recording-proxy.ts';
import { sineWav } from '../e2e/audio-fixtures.ts';
import { upload } from '../e2e/e2e-helpers.ts';
import { SIMULATOR_KEY, startTestService, type TestService } from '../e2e/service-harness.ts';
import { ndjsonLines, resultsOf, stsDefaults, submitBatch, waitForBatch } from './batch-helpers.ts';

const VOICES = ['voiceAAA', 'voiceBBB', 'voiceCCC'];

describe('matrix batches', () => {
  let simulator: RunningSimulator;
  let recorder: RecordingProxy;
  let service: TestService;
  let clips: string[];
  beforeAll(async () => {
    simulator = await startSimulator({ apiKey: SIMULATOR_KEY, port: 0, host: '127.0.0.1' });
    recorder = await startRecordingProxy(simulator.url);
    service = await startTestService({
      storage: 'file',
      env: { ELEVENLABS_BASE_URL: recorder.url },
    });
    clips = [
      await upload(service, sineWav(0.25, 16_000, 440)),
      await upload(service, sineWav(0.25, 16_000, 660)),
    ];
  });
  afterAll(async () => {
    await service?.stop();
    await recorder?.stop();
    await simulator?.close();
  });

  it('runs 2 clips × 3 voices as 6 jobs, each sending its own voice upstream', async () => {
    const items = clips.map((id, i) => ({ custom_id: `line-${i + 1}`, input: { upload_id: id } }));
    const batch = await submitBatch(service, {
      seed: 7,
      defaults: stsDefaults,
      matrix: { 'params.voice_id': VOICES },
      items,
    });
    expect(batch).toMatchObject({
      counts: { total: 6 },
      matrix: { 'params.voice_id': VOICES },
    });
    const done = await waitForBatch(service, batch.id);
    expect(done).toMatchObject({ status: 'completed', counts: { total: 6, succeeded: 6 } });

    const results = await resultsOf(service, batch.id);
    const expected = ['line-1', 'line-2'].flatMap((line) =>
      VOICES.map((voice) => `${line}/voice_id=${voice}`),
    );
    expect([...results.keys()].sort()).toEqual([...expected].sort());
    expect([...results.values()].every((line) => line.status === 'succeeded')).toBe(true);
    // Seeds derive from each combination's own custom_id: six different seeds.
    expect(new Set([...results.values()].map((line) => line.seed)).size).toBe(6);

    // Every job reached the upstream with its own voice: each voice twice, once per clip.
    const voices = recorder.recorded
      .map((seen) => /^\/v1\/speech-to-speech\/([^/?]+)/.exec(seen.path)?.[1])
      .filter((voice) => voice !== undefined);
    for (const voice of VOICES) expect(voices.filter((v) => v === voice)).toHaveLength(2);
    expect(voices).toHaveLength(6);
  });

  it('writes at an array index: a dialogue line per voice', async () => {
    const before = recorder.recorded.length;
    const batch = await submitBatch(service, {
      matrix: { 'params.inputs.1.voice_id': ['speakerP', 'speakerQ'] },
      items: [
        {
          custom_id: 'scene',
          type: 'text_to_dialogue',
          params: {
            inputs: [
              { text: 'Who is there?', voice_id: 'narrator' },
              { text: 'Only me.', voice_id: 'placeholder' },
            ],
            output_format: 'pcm_16000',
          },
        },
      ],
    });
    await waitForBatch(service, batch.id);
    const results = await resultsOf(service, batch.id);
    expect([...results.keys()]).toEqual(['scene/voice_id=speakerP', 'scene/voice_id=speakerQ']);
    expect([...results.values()].map((line) => line.status)).toEqual(['succeeded', 'succeeded']);
    const sent = recorder.recorded
      .slice(before)
      .filter((seen) => seen.path.startsWith('/v1/text-to-dialogue'))
      .map(
        (seen) => (JSON.parse(seen.body.toString()) as { inputs: { voice_id: string }[] }).inputs,
      );
    expect(sent.map((inputs) => inputs.map((input) => input.voice_id)).sort()).toEqual([
      ['narrator', 'speakerP'],
      ['narrator', 'speakerQ'],
    ]);
  });

  it('takes the matrix as a query parameter with an NDJSON body', async () => {
    const lines = clips.map((id, i) =>
      JSON.stringify({ ...stsDefaults, custom_id: `nd-${i}`, input: { upload_id: id } }),
    );
    const matrix = encodeURIComponent(JSON.stringify({ 'params.seed': [1, 2] }));
    const { status, body } = await service.json<{ counts: { total: number }; id: string }>(
      `/v1/batches?matrix=${matrix}`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson' },
        body: lines.join('\n'),
      },
    );
    expect(status, JSON.stringify(body)).toBe(202);
    expect(body.counts.total).toBe(4);
    await waitForBatch(service, body.id);
    const response = await service.request(`/v1/batches/${body.id}/results`);
    const results = ndjsonLines<{ custom_id: string; seed: number }>(await response.text());
    expect(results.map((line) => [line.custom_id, line.seed])).toEqual([
      ['nd-0/seed=1', 1],
      ['nd-0/seed=2', 2],
      ['nd-1/seed=1', 1],
      ['nd-1/seed=2', 2],
    ]);
  });

  it('refuses, naming the matrix or the item, what the matrix makes invalid', async () => {
    const post = (body: object) =>
      service.json<{ error: { details: { field: string; message: string }[] } }>(
        '/v1/batches?dry_run=true',
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        },
      );
    const items = [{ custom_id: 'a', input: { upload_id: clips[0] } }];

    const badPath = await post({
      defaults: stsDefaults,
      matrix: { 'params.inputs.0.voice_id': ['x'] },
      items,
    });
    expect(badPath.status).toBe(422);
    expect(badPath.body.error.details[0]?.field).toBe('matrix["params.inputs.0.voice_id"]');

    const badValue = await post({
      defaults: stsDefaults,
      matrix: { 'params.voice_id': ['fine', 'not a voice!'] },
      items,
    });
    expect(badValue.status).toBe(422);
    expect(badValue.body.error.details).toEqual([
      expect.objectContaining({
        field: 'items[0].params.voice_id',
        message: expect.stringContaining('a/voice_id=@1') as unknown,
      }),
    ]);

    const tooMany = await post({
      defaults: stsDefaults,
      matrix: {
        'params.voice_id': Array.from({ length: 300 }, (_, i) => `v${i}`),
        'params.seed': Array.from({ length: 200 }, (_, i) => i),
      },
      items,
    });
    expect(tooMany.status).toBe(422);
    expect(tooMany.body.error.details[0]).toMatchObject({ field: 'matrix', code: 'too_big' });

    const dry = await service.json<{ total: number }>('/v1/batches?dry_run=true', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        defaults: stsDefaults,
        matrix: { 'params.voice_id': VOICES, 'params.remove_background_noise': [true, false] },
        items,
      }),
    });
    expect(dry).toMatchObject({ status: 200, body: { total: 6 } });
  });
});
