import { ElevenLabsClient, ElevenLabsError } from '@elevenlabs/elevenlabs-js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { jobJsonKey } from '../../../src/shared/lifecycle/job-objects.ts';
import { waitUntil } from '../../support/eventually.ts';
import { toneWav } from '../simulator/simulator-client.ts';
import { SIMULATOR_KEY, startTestService, type TestService } from '../e2e/service-harness.ts';

// The official SDK pointed at audiobatch (baseUrl = the service, apiKey = an audiobatch key)
// must get exactly what the same SDK gets from the upstream (the simulator, deterministic by
// seed), while every call becomes a job of source "gateway" (issue 12).

const KEY = 'k_gateway-test-0123456789abcdef';
const PLAN = {
  positiveGlobalStyles: ['synthwave'],
  negativeGlobalStyles: [],
  sections: [
    {
      sectionName: 'Intro',
      positiveLocalStyles: [],
      negativeLocalStyles: [],
      durationMs: 3_000,
      lines: ['neon lights'],
    },
  ],
};
const DIALOGUE = {
  inputs: [
    { text: 'Knock knock.', voiceId: 'JBFqnCBsd6RMkjVDRZzb' },
    { text: 'Who is there?', voiceId: 'Aw4FAjKCGjjNkVhN1Xmq' },
  ],
  outputFormat: 'mp3_44100_128' as const,
};

interface Detailed {
  audio: Buffer;
  json: unknown;
}

async function bytesOf(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  return Buffer.from(await new Response(stream).arrayBuffer());
}

describe('the ElevenLabs SDK through the gateway', () => {
  let service: TestService;
  let gateway: ElevenLabsClient;
  let upstream: ElevenLabsClient;

  beforeAll(async () => {
    service = await startTestService({ storage: 'file', apiKeys: [`alpha:${KEY}`] });
    gateway = new ElevenLabsClient({ apiKey: KEY, baseUrl: service.url, maxRetries: 0 });
    upstream = new ElevenLabsClient({
      apiKey: SIMULATOR_KEY,
      baseUrl: service.simulator.url,
      maxRetries: 0,
    });
    vi.spyOn(console, 'log').mockImplementation(() => {}); // composeDetailed logs on success
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await service?.stop();
  });

  /** The newest gateway job of the tenant. */
  async function lastJob(): Promise<Record<string, unknown>> {
    const { body } = await service.json<{ data: Record<string, unknown>[] }>('/v1/jobs?limit=1', {
      key: KEY,
    });
    return body.data[0] ?? {};
  }

  it('textToDialogue.convert(): the upstream bytes and headers; listed as a gateway job', async () => {
    const request = { ...DIALOGUE, seed: 11 };
    const { data, rawResponse } = await gateway.textToDialogue.convert(request).withRawResponse();
    const bytes = await bytesOf(data);
    expect(bytes.equals(await bytesOf(await upstream.textToDialogue.convert(request)))).toBe(true);
    expect(rawResponse.headers.get('content-type')).toBe('audio/mpeg');
    expect(rawResponse.headers.get('character-cost')).toBe('25');
    expect(rawResponse.headers.get('request-id')).toMatch(/^[0-9a-f]{32}$/);
    expect(rawResponse.headers.get('history-item-id')).toMatch(/^\S{20}$/);
    const job = await lastJob();
    expect(job).toMatchObject({
      source: 'gateway',
      type: 'text_to_dialogue',
      status: 'succeeded',
      seed: 11,
    });
    // Archived like any job: job.json, and the output served by the REST route too.
    const archived = Buffer.concat(
      await (await service.storage.get(jobJsonKey(String(job['id'])))).toArray(),
    );
    expect(JSON.parse(archived.toString('utf8'))).toMatchObject({ source: 'gateway', seed: 11 });
    const output = await service.request(`/v1/jobs/${String(job['id'])}/outputs/audio`, {
      key: KEY,
    });
    expect(Buffer.from(await output.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('a repeat with the same seed and body: the same bytes from the cache, no upstream call', async () => {
    const request = { ...DIALOGUE, seed: 12 };
    const first = await bytesOf(await gateway.textToDialogue.convert(request));
    const calls = service.simulator.counters().requests;
    const again = await bytesOf(await gateway.textToDialogue.convert(request));
    expect(again.equals(first)).toBe(true);
    expect(service.simulator.counters().requests).toEqual(calls);
    expect(await lastJob()).toMatchObject({ source: 'gateway', cache: 'hit' });
  });

  it('textToDialogue.convertWithTimestamps(): the same audio and alignment', async () => {
    const request = { ...DIALOGUE, seed: 13 };
    const ours = await gateway.textToDialogue.convertWithTimestamps(request);
    const theirs = await upstream.textToDialogue.convertWithTimestamps(request);
    expect(ours).toEqual(theirs);
    expect(ours.alignment?.characters.length).toBeGreaterThan(0);
  });

  it('speechToSpeech.convert(): multipart in, the same bytes out', async () => {
    const request = {
      audio: toneWav(1.5),
      modelId: 'eleven_multilingual_sts_v2',
      voiceSettings: JSON.stringify({ stability: 0.4 }),
      seed: 5,
      outputFormat: 'mp3_44100_128' as const,
    };
    const ours = await bytesOf(
      await gateway.speechToSpeech.convert('JBFqnCBsd6RMkjVDRZzb', request),
    );
    const theirs = await bytesOf(
      await upstream.speechToSpeech.convert('JBFqnCBsd6RMkjVDRZzb', request),
    );
    expect(ours.equals(theirs)).toBe(true);
    expect(await lastJob()).toMatchObject({ source: 'gateway', type: 'speech_to_speech' });
  });

  it('music.compose(), composeDetailed(), compositionPlan.create(): the upstream answers', async () => {
    const request = { compositionPlan: PLAN, seed: 21, outputFormat: 'mp3_44100_128' as const };
    const { data, rawResponse } = await gateway.music.compose(request).withRawResponse();
    expect((await bytesOf(data)).equals(await bytesOf(await upstream.music.compose(request)))).toBe(
      true,
    );
    expect(rawResponse.headers.get('song-id')).toMatch(/^[A-Za-z0-9]{20}$/);

    const ours = (await gateway.music.composeDetailed(request)) as unknown as Detailed;
    const theirs = (await upstream.music.composeDetailed(request)) as unknown as Detailed;
    expect(ours.audio.equals(theirs.audio)).toBe(true);
    expect(ours.json).toEqual(theirs.json);

    const plan = { prompt: 'epic orchestral', musicLengthMs: 30_000 };
    expect(await gateway.music.compositionPlan.create(plan)).toEqual(
      await upstream.music.compositionPlan.create(plan),
    );
    expect(await lastJob()).toMatchObject({ source: 'gateway', type: 'music_plan' });
  });

  it('the stream() methods: the same bytes', async () => {
    const dialogue = { ...DIALOGUE, seed: 41 };
    expect(
      (await bytesOf(await gateway.textToDialogue.stream(dialogue))).equals(
        await bytesOf(await upstream.textToDialogue.stream(dialogue)),
      ),
    ).toBe(true);
    const sts = { audio: toneWav(1), seed: 42, outputFormat: 'pcm_16000' as const };
    expect(
      (await bytesOf(await gateway.speechToSpeech.stream('JBFqnCBsd6RMkjVDRZzb', sts))).equals(
        await bytesOf(await upstream.speechToSpeech.stream('JBFqnCBsd6RMkjVDRZzb', sts)),
      ),
    ).toBe(true);
    const music = { compositionPlan: PLAN, seed: 43, outputFormat: 'mp3_44100_128' as const };
    expect(
      (await bytesOf(await gateway.music.stream(music))).equals(
        await bytesOf(await upstream.music.stream(music)),
      ),
    ).toBe(true);
    expect(await lastJob()).toMatchObject({
      source: 'gateway',
      request: { options: { stream: true } },
    });
  });

  it('textToDialogue.streamWithTimestamps(): the same chunks, as the upstream framed them', async () => {
    const request = { ...DIALOGUE, seed: 44 };
    const chunksOf = async (stream: AsyncIterable<unknown>) => {
      const chunks: unknown[] = [];
      for await (const chunk of stream) chunks.push(chunk);
      return chunks;
    };
    const { data, rawResponse } = await gateway.textToDialogue
      .streamWithTimestamps(request)
      .withRawResponse();
    const ours = await chunksOf(data);
    const theirs = await chunksOf(await upstream.textToDialogue.streamWithTimestamps(request));
    expect(ours.length).toBeGreaterThan(1);
    expect(ours).toEqual(theirs);
    expect(rawResponse.headers.get('character-cost')).toBe('25');
    expect(await lastJob()).toMatchObject({
      source: 'gateway',
      status: 'succeeded',
      request: { options: { stream: true, with_timestamps: true } },
    });
    // A repeat is a cache hit: the whole answer in one line, the same audio and alignment.
    const again = (await chunksOf(await gateway.textToDialogue.streamWithTimestamps(request))) as {
      audioBase64: string;
    }[];
    expect(again).toHaveLength(1);
    const audioOf = (chunks: unknown[]) =>
      Buffer.concat(
        (chunks as { audioBase64: string }[]).map((c) => Buffer.from(c.audioBase64, 'base64')),
      );
    expect(audioOf(again).equals(audioOf(ours))).toBe(true);
    expect(await lastJob()).toMatchObject({ cache: 'hit' });
  });

  it("a stream call's first bytes reach the caller before the upstream has finished", async () => {
    // The simulator holds its last chunk until released: whatever the caller reads before
    // that was passed through while the upstream was still sending.
    service.simulator.configure({ holdLastChunk: true });
    let released = false;
    try {
      const request = { ...DIALOGUE, seed: 45 };
      const reader = (await gateway.textToDialogue.stream(request)).getReader();
      const first = await reader.read();
      expect(first.done).toBe(false);
      expect(first.value?.length).toBeGreaterThan(0);
      expect(service.simulator.counters().in_flight).toBeGreaterThan(0); // still sending
      service.simulator.configure({ holdLastChunk: false });
      released = true;
      const chunks = [Buffer.from(first.value ?? [])];
      for (let next = await reader.read(); !next.done; next = await reader.read()) {
        chunks.push(Buffer.from(next.value));
      }
      const direct = await bytesOf(await upstream.textToDialogue.stream(request));
      expect(Buffer.concat(chunks).equals(direct)).toBe(true);
    } finally {
      if (!released) service.simulator.configure({ holdLastChunk: false });
    }
  });

  it('music.separateStems(): the same ZIP', async () => {
    const request = { file: toneWav(1), stemVariationId: 'two_stems_v1' as const };
    const { data, rawResponse } = await gateway.music.separateStems(request).withRawResponse();
    const ours = await bytesOf(data);
    expect(ours.equals(await bytesOf(await upstream.music.separateStems(request)))).toBe(true);
    expect(rawResponse.headers.get('content-type')).toBe('application/zip');
    expect(await lastJob()).toMatchObject({ source: 'gateway', type: 'stem_separation' });
  });

  it('errors come back in the upstream shape: a wrong key (401), a refused field (422)', async () => {
    const stranger = new ElevenLabsClient({ apiKey: 'nope', baseUrl: service.url, maxRetries: 0 });
    const unauthorized = await stranger.textToDialogue.convert(DIALOGUE).catch((e: unknown) => e);
    expect(unauthorized).toBeInstanceOf(ElevenLabsError);
    expect((unauthorized as ElevenLabsError).statusCode).toBe(401);
    expect((unauthorized as ElevenLabsError).body).toMatchObject({
      detail: { status: 'invalid_api_key' },
    });

    const invalid = await gateway.textToDialogue
      .convert({ ...DIALOGUE, settings: { stability: 7 } })
      .catch((e: unknown) => e);
    expect((invalid as ElevenLabsError).statusCode).toBe(422);
    expect((invalid as ElevenLabsError).body).toMatchObject({
      detail: [{ loc: ['body', 'settings', 'stability'] }],
    });
  });

  it("an upstream refusal comes back with the upstream's status and code", async () => {
    service.simulator.configure({ rejectVoiceIds: ['gone-voice'] });
    try {
      const refused = await gateway.textToDialogue
        .convert({ inputs: [{ text: 'Hello there.', voiceId: 'gone-voice' }], seed: 1 })
        .catch((e: unknown) => e);
      expect((refused as ElevenLabsError).statusCode).toBe(404);
      expect((refused as ElevenLabsError).body).toMatchObject({
        detail: { status: 'voice_not_found', code: 'voice_not_found' },
      });
      expect(await lastJob()).toMatchObject({ source: 'gateway', status: 'failed' });
    } finally {
      service.simulator.configure({ rejectVoiceIds: [] });
    }
  });

  it('a caller that hangs up cancels its job', async () => {
    // Long enough that the job is still at the upstream when the caller leaves.
    service.simulator.configure({ latencyMs: 120_000 });
    try {
      const leaving = new AbortController();
      const call = gateway.textToDialogue
        .convert({ ...DIALOGUE, seed: 31 }, { abortSignal: leaving.signal })
        .catch((e: unknown) => e);
      await waitUntil(
        'the call to reach the upstream',
        () => service.simulator.counters().in_flight > 0,
      );
      const job = await lastJob();
      leaving.abort();
      await call;
      await waitUntil('the job to be canceled', async () => {
        const { body } = await service.json<{ status: string }>(`/v1/jobs/${String(job['id'])}`, {
          key: KEY,
        });
        return body.status === 'canceled';
      });
    } finally {
      service.simulator.configure({ latencyMs: 0 });
    }
  });

  // Last: the quota pause stops the speech queue for the rest of this service's life.
  it("an account out of credits: the upstream's 401 quota_exceeded, and the job canceled", async () => {
    service.simulator.configure({ credits: 0 });
    const refused = await gateway.textToDialogue
      .convert({ ...DIALOGUE, seed: 51 })
      .catch((e: unknown) => e);
    expect((refused as ElevenLabsError).statusCode).toBe(401);
    expect((refused as ElevenLabsError).body).toMatchObject({
      detail: { status: 'quota_exceeded' },
    });
    expect(await lastJob()).toMatchObject({ source: 'gateway', status: 'canceled' });
  });
});
