import { readFile, stat } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseComposeRequest } from '../../../src/simulator/routes/music-request.ts';
import { composeSong, type Song } from '../../../src/simulator/routes/music-song.ts';
import { decodedDurationSeconds } from './audio-fixtures.ts';
import { waitUntil } from '../../support/eventually.ts';
import { download, sha256, submit, waitFinished, type Job } from './e2e-helpers.ts';
import { startTestService, type TestService } from './service-harness.ts';

/** A music job as the API shows it: seed null in prompt mode, the song id on `upstream`. */
type MusicJob = Omit<Job, 'seed' | 'upstream'> & {
  seed: number | null;
  upstream: { calls: number; endpoint: string; request_id: string | null; song_id: string | null };
  result: unknown;
  error: (Job['error'] & { suggestion: unknown; message: string }) | null;
};

const section = (name: string, durationMs: number, lines: string[] = []) => ({
  section_name: name,
  positive_local_styles: ['warm'],
  negative_local_styles: [],
  duration_ms: durationMs,
  lines,
});
const PLAN = {
  positive_global_styles: ['synthwave'],
  negative_global_styles: [],
  sections: [section('Intro', 3_000), section('Verse', 5_250, ['neon lights', 'we run'])],
};

async function run(
  service: TestService,
  request: object,
  expected: 200 | 202 = 202,
): Promise<MusicJob> {
  const done = await waitFinished(service, (await submit(service, request, expected)).id);
  return done as unknown as MusicJob;
}

const music = (params: object, options: object = {}) => ({ type: 'music', params, options });

/**
 * What the simulator generates for a compose body, recomputed in-process (it is
 * deterministic), so a test can demand the stored audio be exactly those bytes.
 */
function expectedSong(body: Record<string, unknown>, format: string): Promise<Song> {
  return composeSong(parseComposeRequest(new URLSearchParams({ output_format: format }), body));
}

function outputOf(job: MusicJob, name: string) {
  const output = job.outputs.find((o) => o.name === name);
  if (!output) throw new Error(`no ${name} output on ${JSON.stringify(job.outputs)}`);
  return output;
}

describe.each(['file', 's3'] as const)('music end to end (%s storage)', (storage) => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService({ storage });
  });
  afterAll(async () => {
    await service?.stop();
  });

  it('POST /v1/music from a prompt: decodable mp3 of music_length_ms, song id on the job', async () => {
    const params = {
      prompt: 'dreamy synthwave',
      music_length_ms: 8_000,
      store_for_inpainting: true,
    };
    const done = await run(service, music({ ...params, output_format: 'mp3_44100_128' }));
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    expect(done.seed).toBeNull(); // prompt mode: the upstream takes no seed
    expect(done.upstream.endpoint).toBe('/v1/music');
    const expected = await expectedSong({ ...params, model_id: 'music_v1' }, 'mp3_44100_128');
    expect(done.upstream.song_id).toBe(expected.songId);

    const audio = outputOf(done, 'audio');
    expect(audio.content_type).toBe('audio/mpeg');
    const bytes = await download(service, done as unknown as Job);
    expect(bytes.equals(expected.audio)).toBe(true);
    expect(Math.abs((await decodedDurationSeconds(bytes, 'audio/mpeg')) - 8)).toBeLessThan(0.03);
    expect(Math.abs((audio.duration_ms ?? 0) - 8_000)).toBeLessThan(30);
  });

  it('POST /v1/music/detailed: the audio part byte for byte, and the details JSON', async () => {
    const done = await run(
      service,
      music(
        { composition_plan: PLAN, seed: 99, output_format: 'mp3_44100_128' },
        { detailed: true },
      ),
    );
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    expect(done.upstream.endpoint).toBe('/v1/music/detailed');
    expect(done.seed).toBe(99);
    const expected = await expectedSong(
      { composition_plan: PLAN, model_id: 'music_v1', seed: 99 },
      'mp3_44100_128',
    );
    expect(done.upstream.song_id).toBe(expected.songId);

    const audio = outputOf(done, 'audio');
    // No boundary bytes, no CRLF: exactly as long as what the simulator generated.
    expect(audio.bytes).toBe(expected.audio.length);
    const bytes = await download(service, done as unknown as Job, 'audio');
    expect(bytes.equals(expected.audio)).toBe(true);
    expect(sha256(bytes)).toBe(audio.sha256);
    expect(Math.abs((await decodedDurationSeconds(bytes, 'audio/mpeg')) - 8.25)).toBeLessThan(0.03);

    expect(outputOf(done, 'details').content_type).toBe('application/json');
    const details = JSON.parse(
      (await download(service, done as unknown as Job, 'details')).toString('utf8'),
    ) as Record<string, unknown>;
    expect(details.composition_plan).toEqual(PLAN);
    expect(details.song_metadata).toEqual(expected.metadata);
    expect(details.words_timestamps).toEqual(expected.words);
  });
});

describe('music and music_plan end to end', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService({ storage: 'file' });
  });
  afterAll(async () => {
    await service?.stop();
  });

  it('POST /v1/music/stream with a v2 plan: the job picks an int31 seed and records it', async () => {
    const plan = {
      chunks: [
        { text: '[Intro]', duration_ms: 4_000, positive_styles: ['lofi'] },
        { text: '[Verse]\nslow rain', duration_ms: 3_500, positive_styles: ['lofi'] },
      ],
    };
    const done = await run(
      service,
      music(
        { model_id: 'music_v2', composition_plan: plan, output_format: 'pcm_16000' },
        { stream: true },
      ),
    );
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    expect(done.upstream.endpoint).toBe('/v1/music/stream');
    expect(done.seed).toBeGreaterThanOrEqual(0);
    expect(done.seed).toBeLessThanOrEqual(2_147_483_647);
    const bytes = await download(service, done as unknown as Job);
    expect(bytes.length).toBe(7.5 * 16_000 * 2);
    expect(outputOf(done, 'audio').duration_ms).toBe(7_500);
    const expected = await expectedSong(
      { composition_plan: plan, model_id: 'music_v2', seed: done.seed },
      'pcm_16000',
    );
    expect(bytes.equals(expected.audio)).toBe(true);

    const root = new URL(service.config.STORAGE_URL).pathname;
    const record = JSON.parse(await readFile(`${root}/jobs/${done.id}/job.json`, 'utf8')) as {
      seed: number;
      request: { params: { seed: number } };
      upstream: { song_id: string };
    };
    expect(record.seed).toBe(done.seed);
    expect(record.request.params.seed).toBe(done.seed);
    expect(record.upstream.song_id).toBe(expected.songId);
  });

  it('stores `auto` as what the model gets: mp3 at 48 kHz for music_v2', async () => {
    const done = await run(
      service,
      music({ prompt: 'lofi', music_length_ms: 3_000, model_id: 'music_v2' }),
    );
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    const audio = outputOf(done, 'audio');
    expect(audio.content_type).toBe('audio/mpeg');
    expect(Math.abs((audio.duration_ms ?? 0) - 3_000)).toBeLessThan(30);
  });

  it('music_plan: the plan inline as result and as the `plan` output, then composed', async () => {
    const planned = await run(service, {
      type: 'music_plan',
      params: { prompt: 'epic orchestral, choir', music_length_ms: 20_000 },
    });
    expect(planned.status, JSON.stringify(planned.error)).toBe('succeeded');
    expect(planned.seed).toBeNull();
    expect(planned.upstream.endpoint).toBe('/v1/music/plan');
    const result = planned.result as typeof PLAN;
    expect(result.sections.reduce((sum, s) => sum + s.duration_ms, 0)).toBe(20_000);
    const stored = await download(service, planned as unknown as Job, 'plan');
    expect(JSON.parse(stored.toString('utf8'))).toEqual(result);
    expect(outputOf(planned, 'plan')).toMatchObject({
      content_type: 'application/json',
      bytes: stored.length,
    });

    // The plan as given back by the service is a valid music request as it stands.
    const composed = await run(
      service,
      music({ composition_plan: result, output_format: 'pcm_8000' }),
    );
    expect(composed.status, JSON.stringify(composed.error)).toBe('succeeded');
    expect(outputOf(composed, 'audio').duration_ms).toBe(20_000);
  });

  it('a seedless prompt rerun comes from the fingerprint cache, without an upstream call', async () => {
    const request = music({ prompt: 'calm piano', music_length_ms: 3_000 });
    const first = await run(service, request);
    expect(first.status, JSON.stringify(first.error)).toBe('succeeded');
    // The cache pointer is written just after the job reads as finished.
    const root = new URL(service.config.STORAGE_URL).pathname;
    const pointer = `${root}/cache/tenant.local/${(first.fingerprint ?? '').replace('sha256:', '')}.json`;
    await waitUntil('the cache pointer is written', () =>
      stat(pointer).then(
        () => true,
        () => false,
      ),
    );
    const calls = service.simulator.counters().requests['POST /v1/music'];
    // A hit is answered at intake: 200 with the finished job.
    const again = await run(service, request, 200);
    expect(again.cache).toBe('hit');
    expect(again.upstream.calls).toBe(0);
    expect(service.simulator.counters().requests['POST /v1/music']).toBe(calls);
    expect(outputOf(again, 'audio').sha256).toBe(outputOf(first, 'audio').sha256);
  });

  it('retries a detailed body cut short and stores a whole audio part', async () => {
    service.simulator.configure({ faults: { next: ['truncated_body'] } });
    const done = await run(service, {
      ...music({ composition_plan: PLAN, seed: 5, output_format: 'pcm_16000' }, { detailed: true }),
      cache: 'bypass',
    });
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    expect(done.attempts).toBe(2);
    expect(outputOf(done, 'audio').bytes).toBe(8.25 * 16_000 * 2);
  });

  it('fails at once on bad_prompt, keeping the upstream suggestion', async () => {
    const done = await run(service, music({ prompt: 'a ballad like Taylor Swift' }));
    expect(done.status).toBe('failed');
    expect(done.attempts).toBe(1);
    expect(done.error).toMatchObject({
      upstream_status: 400,
      upstream_code: 'bad_prompt',
      retryable: false,
      suggestion: 'a ballad like a contemporary pop singer-songwriter',
    });
  });

  it('fails at once with 402 limited_access on a free plan', async () => {
    service.simulator.configure({ plan: 'free' });
    try {
      const done = await run(service, { type: 'music_plan', params: { prompt: 'jazz' } });
      expect(done.status).toBe('failed');
      expect(done.error).toMatchObject({ upstream_status: 402, upstream_code: 'limited_access' });
    } finally {
      service.simulator.configure({ plan: 'paid' });
    }
  });
});
