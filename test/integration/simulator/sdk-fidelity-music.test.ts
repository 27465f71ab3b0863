import { ElevenLabs, ElevenLabsClient, ElevenLabsError } from '@elevenlabs/elevenlabs-js';
import { parseBuffer } from 'music-metadata';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../../src/simulator/index.ts';
import { parseComposeRequest } from '../../../src/simulator/routes/music-request.ts';
import { composeSong } from '../../../src/simulator/routes/music-song.ts';

// The official SDK, pointed at the simulator, must call the four music endpoints and read
// every response: that is the simulator's fidelity contract for music.

const plan: ElevenLabs.MusicPrompt = {
  positiveGlobalStyles: ['synthwave', 'driving bass'],
  negativeGlobalStyles: ['acoustic'],
  sections: [
    {
      sectionName: 'Intro',
      positiveLocalStyles: ['pads'],
      negativeLocalStyles: [],
      durationMs: 3_000,
      lines: [],
    },
    {
      sectionName: 'Verse',
      positiveLocalStyles: [],
      negativeLocalStyles: [],
      durationMs: 4_500,
      lines: ['neon lights tonight', 'we run'],
    },
  ],
};
// The same plan as it travels (snake_case), to recompute the simulator's song in-process.
const wirePlan = {
  positive_global_styles: ['synthwave', 'driving bass'],
  negative_global_styles: ['acoustic'],
  sections: [
    {
      section_name: 'Intro',
      positive_local_styles: ['pads'],
      negative_local_styles: [],
      duration_ms: 3_000,
      lines: [],
    },
    {
      section_name: 'Verse',
      positive_local_styles: [],
      negative_local_styles: [],
      duration_ms: 4_500,
      lines: ['neon lights tonight', 'we run'],
    },
  ],
};

/** What the SDK's composeDetailed() resolves to (its MultipartResponse, camelCased JSON). */
interface DetailedResponse {
  audio: Buffer;
  filename: string;
  songId?: string;
  json: {
    compositionPlan: unknown;
    songMetadata: unknown;
    wordsTimestamps?: { word: string; startMs: number; endMs: number }[];
  };
}

async function bytesOf(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  return Buffer.from(await new Response(stream).arrayBuffer());
}

async function durationOf(bytes: Buffer): Promise<number> {
  const { format } = await parseBuffer(bytes, { mimeType: 'audio/mpeg' }, { duration: true });
  return format.duration ?? 0;
}

describe('official @elevenlabs/elevenlabs-js SDK against the simulated music endpoints', () => {
  let sim: RunningSimulator;
  let client: ElevenLabsClient;

  beforeAll(async () => {
    sim = await startSimulator({ apiKey: 'test-key', port: 0 });
    client = new ElevenLabsClient({ apiKey: 'test-key', baseUrl: sim.url, maxRetries: 0 });
    vi.spyOn(console, 'log').mockImplementation(() => {}); // composeDetailed logs on success
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await sim.close();
  });

  it('compose(): a prompt gives decodable mp3 of music_length_ms, with a song-id', async () => {
    const { data, rawResponse } = await client.music
      .compose({ prompt: 'upbeat synthwave', musicLengthMs: 6_000, outputFormat: 'mp3_44100_128' })
      .withRawResponse();
    const bytes = await bytesOf(data);
    expect(Math.abs((await durationOf(bytes)) - 6)).toBeLessThan(0.03);
    expect(rawResponse.headers.get('content-type')).toBe('audio/mpeg');
    expect(rawResponse.headers.get('song-id')).toMatch(/^[A-Za-z0-9]{20}$/);
  });

  it('stream(): a plan with a seed, chunked, the same bytes as compose()', async () => {
    const request = { compositionPlan: plan, seed: 42, outputFormat: 'pcm_16000' } as const;
    const { data, rawResponse } = await client.music.stream(request).withRawResponse();
    const streamed = await bytesOf(data);
    expect(rawResponse.headers.get('transfer-encoding')).toBe('chunked');
    expect(streamed.length).toBe(7.5 * 16_000 * 2); // 3 s + 4.5 s of 16-bit mono
    expect(streamed.equals(await bytesOf(await client.music.compose(request)))).toBe(true);
  });

  it('composeDetailed(): JSON fields parse, and the audio is exactly the generated audio', async () => {
    const { data: parsed, rawResponse } = await client.music
      .composeDetailed({ compositionPlan: plan, seed: 7, outputFormat: 'mp3_44100_128' })
      .withRawResponse();
    // The SDK's hand-written wrapper type does not resolve under the linter: spelled out here.
    const data = parsed as unknown as DetailedResponse;
    expect(rawResponse.headers.get('content-type')).toMatch(/^multipart\/mixed; boundary=/);
    const expected = await composeSong(
      parseComposeRequest(new URLSearchParams('output_format=mp3_44100_128'), {
        composition_plan: wirePlan,
        seed: 7,
      }),
    );
    // The SDK's own splitter leaves no boundary bytes here: same length, same bytes.
    expect(data.audio.length).toBe(expected.audio.length);
    expect(data.audio.equals(expected.audio)).toBe(true);
    expect(Math.abs((await durationOf(data.audio)) - 7.5)).toBeLessThan(0.03);
    expect(data.songId).toBe(expected.songId);
    expect(data.filename).toMatch(/\.mp3$/);
    expect(data.json.compositionPlan).toEqual(plan);
    expect(data.json.songMetadata).toMatchObject({
      genres: ['synthwave'],
      languages: ['en'],
      isExplicit: false,
    });
    const words = data.json.wordsTimestamps;
    expect(words?.map((w) => w.word)).toEqual(['neon', 'lights', 'tonight', 'we', 'run']);
  });

  it('compositionPlan.create(): plans of both shapes whose durations sum to the length', async () => {
    const v1 = await client.music.compositionPlan.create({
      prompt: 'epic orchestral',
      musicLengthMs: 95_000,
    });
    expect('sections' in v1 && v1.sections.reduce((sum, s) => sum + s.durationMs, 0)).toBe(95_000);
    const v2 = await client.music.compositionPlan.create({
      prompt: 'lofi',
      musicLengthMs: 40_000,
      modelId: 'music_v2',
    });
    if (!('chunks' in v2)) throw new Error('music_v2 must answer with chunks');
    const total = v2.chunks.reduce((sum, c) => sum + ('durationMs' in c ? c.durationMs : 0), 0);
    expect(total).toBe(40_000);
  });

  it('compose() with a music_v2 chunks plan from compositionPlan.create()', async () => {
    const created = await client.music.compositionPlan.create({
      prompt: 'lofi',
      musicLengthMs: 9_000,
      modelId: 'music_v2',
    });
    const audio = await bytesOf(
      await client.music.compose({
        compositionPlan: created,
        modelId: 'music_v2',
        outputFormat: 'auto',
      }),
    );
    const { format } = await parseBuffer(audio, { mimeType: 'audio/mpeg' }, { duration: true });
    expect(format.sampleRate).toBe(48_000); // auto for a v2 model: mp3_48000_192
    expect(Math.abs((format.duration ?? 0) - 9)).toBeLessThan(0.03);
  });

  it('errors reach the SDK as ElevenLabsError with the upstream bodies', async () => {
    const badPrompt: unknown = await client.music
      .compose({ prompt: 'like Taylor Swift' })
      .catch((e: unknown) => e);
    expect(badPrompt).toBeInstanceOf(ElevenLabsError);
    expect((badPrompt as ElevenLabsError).statusCode).toBe(400);
    expect((badPrompt as ElevenLabsError).body).toMatchObject({
      detail: {
        code: 'bad_prompt',
        data: { prompt_suggestion: 'like a contemporary pop singer-songwriter' },
      },
    });

    const seeded: unknown = await client.music
      .compose({ prompt: 'x', seed: 1 })
      .catch((e: unknown) => e);
    expect(seeded).toBeInstanceOf(ElevenLabs.UnprocessableEntityError);
    expect((seeded as ElevenLabsError).body).toMatchObject({ detail: [{ loc: ['body', 'seed'] }] });

    sim.configure({ credits: 10 }); // a 3 s song costs 50 credits; a plan costs none
    try {
      const broke: unknown = await client.music
        .compose({ prompt: 'x', musicLengthMs: 3_000 })
        .catch((e: unknown) => e);
      expect((broke as ElevenLabsError).statusCode).toBe(401);
      expect((broke as ElevenLabsError).body).toMatchObject({ detail: { code: 'quota_exceeded' } });
      await expect(client.music.compositionPlan.create({ prompt: 'x' })).resolves.toBeTruthy();
    } finally {
      sim.configure({ credits: null });
    }

    sim.configure({ plan: 'free' });
    try {
      const refused: unknown = await client.music.compositionPlan
        .create({ prompt: 'x' })
        .catch((e: unknown) => e);
      expect((refused as ElevenLabsError).statusCode).toBe(402);
      expect((refused as ElevenLabsError).body).toMatchObject({
        detail: { code: 'limited_access' },
      });
    } finally {
      sim.configure({ plan: 'paid' });
    }
  });
});
