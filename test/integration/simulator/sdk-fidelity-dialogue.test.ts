import { ElevenLabs, ElevenLabsClient, ElevenLabsError } from '@elevenlabs/elevenlabs-js';
import { parseBuffer } from 'music-metadata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../../src/simulator/index.ts';

// The official SDK, pointed at the simulator, must call the four dialogue endpoints and parse
// every answer: audio that decodes, timestamp objects with every field.
describe('official SDK against the simulator: textToDialogue', () => {
  let sim: RunningSimulator;
  let client: ElevenLabsClient;
  const inputs = [
    { text: '[giggling] Knock knock.', voiceId: 'JBFqnCBsd6RMkjVDRZzb' },
    { text: 'Who is there?', voiceId: 'Aw4FAjKCGjjNkVhN1Xmq' },
  ];
  const characters = inputs.reduce((sum, input) => sum + input.text.length, 0);
  const request = {
    inputs,
    modelId: 'eleven_v3',
    languageCode: 'en',
    settings: { stability: 0.5 },
    pronunciationDictionaryLocators: [{ pronunciationDictionaryId: 'pd1', versionId: 'v1' }],
    seed: 42,
    applyTextNormalization: 'auto' as const,
    outputFormat: 'mp3_44100_128' as const,
  };

  beforeAll(async () => {
    sim = await startSimulator({ apiKey: 'test-key', port: 0 });
    client = new ElevenLabsClient({ apiKey: 'test-key', baseUrl: sim.url, maxRetries: 0 });
  });
  afterAll(async () => {
    await sim.close();
  });

  async function mp3Seconds(bytes: Uint8Array): Promise<number> {
    const { format } = await parseBuffer(bytes, { mimeType: 'audio/mpeg' }, { duration: true });
    expect(format.codec).toBe('MPEG 1 Layer 3');
    return format.duration ?? NaN;
  }

  function expectAlignment(
    alignment: ElevenLabs.CharacterAlignmentResponseModel | undefined,
    count: number,
  ): void {
    expect(alignment?.characters).toHaveLength(count);
    expect(alignment?.characterStartTimesSeconds).toHaveLength(count);
    expect(alignment?.characterEndTimesSeconds).toHaveLength(count);
  }

  it('convert(): decodable mp3 with the upstream headers', async () => {
    const { data, rawResponse } = await client.textToDialogue.convert(request).withRawResponse();
    const bytes = new Uint8Array(await new Response(data).arrayBuffer());
    expect(await mp3Seconds(bytes)).toBeGreaterThan(1.5);
    expect(rawResponse.headers.get('content-type')).toBe('audio/mpeg');
    expect(rawResponse.headers.get('character-cost')).toBe(String(characters));
    expect(rawResponse.headers.get('request-id')).toMatch(/^[0-9a-f]{32}$/);
  });

  it('stream(): the same bytes, chunked, deterministic for the seed', async () => {
    const { data, rawResponse } = await client.textToDialogue.stream(request).withRawResponse();
    const streamed = Buffer.from(await new Response(data).arrayBuffer());
    expect(rawResponse.headers.get('transfer-encoding')).toBe('chunked');
    const converted = Buffer.from(
      await new Response(await client.textToDialogue.convert(request)).arrayBuffer(),
    );
    expect(streamed.equals(converted)).toBe(true);
  });

  it('convertWithTimestamps(): audio, alignment and voice segments that agree', async () => {
    const answer = await client.textToDialogue.convertWithTimestamps(request);
    const seconds = await mp3Seconds(Buffer.from(answer.audioBase64, 'base64'));
    expectAlignment(answer.alignment, characters);
    expectAlignment(answer.normalizedAlignment, characters);
    expect(
      answer.voiceSegments.map((s) => [
        s.voiceId,
        s.dialogueInputIndex,
        s.characterStartIndex,
        s.characterEndIndex,
      ]),
    ).toEqual([
      [inputs[0]?.voiceId, 0, 0, inputs[0]?.text.length],
      [inputs[1]?.voiceId, 1, inputs[0]?.text.length, characters],
    ]);
    const lastEnd = answer.alignment?.characterEndTimesSeconds.at(-1) ?? Infinity;
    expect(lastEnd).toBeLessThan(seconds);
    expect(seconds - lastEnd).toBeLessThan(0.3);
  });

  it.each(['absolute', 'relative'] as const)(
    'streamWithTimestamps() (%s chunk times): every chunk parses',
    async (times) => {
      sim.configure({ dialogueChunkTimes: times });
      try {
        const chunks: ElevenLabs.StreamingAudioChunkWithTimestampsAndVoiceSegmentsResponseModel[] =
          [];
        for await (const chunk of await client.textToDialogue.streamWithTimestamps({
          ...request,
          outputFormat: 'pcm_16000',
        })) {
          chunks.push(chunk);
        }
        expect(chunks.length).toBeGreaterThan(1);
        const audio = Buffer.concat(
          chunks.map((chunk) => Buffer.from(chunk.audioBase64, 'base64')),
        );
        expect(audio.length % 2).toBe(0);
        const received = chunks.flatMap((chunk) => chunk.alignment?.characters ?? []);
        expect(received.join('')).toBe(inputs.map((input) => input.text).join(''));
        for (const chunk of chunks) {
          if (chunk.alignment) expectAlignment(chunk.alignment, chunk.alignment.characters.length);
          for (const segment of chunk.voiceSegments) {
            expect(segment.endTimeSeconds).toBeGreaterThanOrEqual(segment.startTimeSeconds);
            expect(typeof segment.dialogueInputIndex).toBe('number');
          }
        }
        const firstStarts = chunks
          .map((c) => c.alignment?.characterStartTimesSeconds[0])
          .filter((t) => t !== undefined);
        if (times === 'relative') expect(Math.max(...firstStarts)).toBeLessThan(0.1);
        else expect(firstStarts).toEqual([...firstStarts].sort((a, b) => a - b));
      } finally {
        sim.configure({ dialogueChunkTimes: 'absolute' });
      }
    },
  );

  it('a 422 becomes the SDK UnprocessableEntityError with the upstream body', async () => {
    const error: unknown = await client.textToDialogue
      .convert({ ...request, seed: -1 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ElevenLabs.UnprocessableEntityError);
    expect((error as ElevenLabsError).body).toEqual({
      detail: [
        {
          loc: ['body', 'seed'],
          msg: 'Input should be greater than or equal to 0',
          type: 'greater_than_equal',
        },
      ],
    });
  });

  it.each([
    {
      name: 'too many voices',
      inputs: Array.from({ length: 11 }, (_, i) => ({ text: 'Hi.', voiceId: `voice${i}` })),
      code: 'invalid_argument',
    },
    {
      name: 'text too long',
      inputs: [{ text: 'a'.repeat(5_001), voiceId: 'v' }],
      code: 'max_character_limit_exceeded',
    },
  ])('$name → 400 $code in the current error shape', async ({ inputs: bad, code }) => {
    const error: unknown = await client.textToDialogue
      .convert({ inputs: bad })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ElevenLabsError);
    expect((error as ElevenLabsError).statusCode).toBe(400);
    expect((error as ElevenLabsError).body).toMatchObject({
      detail: { code, status: code, param: 'inputs' },
    });
  });

  it('an unknown model → 400 model_not_found', async () => {
    const error: unknown = await client.textToDialogue
      .convertWithTimestamps({ inputs, modelId: 'eleven_turbo_v9' })
      .catch((e: unknown) => e);
    expect((error as ElevenLabsError).statusCode).toBe(400);
    expect((error as ElevenLabsError).body).toMatchObject({
      detail: { code: 'model_not_found', param: 'model_id' },
    });
  });
});
