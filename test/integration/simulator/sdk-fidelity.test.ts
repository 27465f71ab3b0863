import { ElevenLabs, ElevenLabsClient, ElevenLabsError } from '@elevenlabs/elevenlabs-js';
import { parseBuffer } from 'music-metadata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../../src/simulator/index.ts';
import { toneWav } from './simulator-client.ts';

// The official SDK, pointed at the simulator, must call both endpoints and read their
// responses without error: that is the simulator's fidelity contract.
describe('official @elevenlabs/elevenlabs-js SDK against the simulator', () => {
  let sim: RunningSimulator;
  let client: ElevenLabsClient;
  const audio = toneWav(2);
  const request = {
    audio,
    modelId: 'eleven_multilingual_sts_v2',
    outputFormat: 'mp3_44100_128',
    seed: 7,
    voiceSettings: JSON.stringify({ stability: 0.5 }),
  } as const;

  beforeAll(async () => {
    sim = await startSimulator({ apiKey: 'test-key', port: 0 });
    client = new ElevenLabsClient({ apiKey: 'test-key', baseUrl: sim.url, maxRetries: 0 });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('convert(): a 2.0 s mp3 for a 2.0 s input, with the upstream headers', async () => {
    const { data, rawResponse } = await client.speechToSpeech
      .convert('JBFqnCBsd6RMkjVDRZzb', request)
      .withRawResponse();
    const bytes = new Uint8Array(await new Response(data).arrayBuffer());
    const { format } = await parseBuffer(bytes, { mimeType: 'audio/mpeg' });
    expect(format.codec).toBe('MPEG 1 Layer 3');
    expect(format.sampleRate).toBe(44100);
    expect(format.bitrate).toBe(128_000);
    expect(Math.abs((format.duration ?? 0) - 2)).toBeLessThan(0.1);
    expect(rawResponse.headers.get('content-type')).toBe('audio/mpeg');
    expect(rawResponse.headers.get('content-length')).toBe(String(bytes.length));
    expect(rawResponse.headers.get('request-id')).toMatch(/^[0-9a-f]{32}$/);
    expect(rawResponse.headers.get('character-cost')).toBe('34'); // 2 s at 1,000 per minute, rounded up
    expect(rawResponse.headers.get('x-character-count')).toBe('34');
    expect(rawResponse.headers.get('x-request-id')).toBe(rawResponse.headers.get('request-id'));
    expect(rawResponse.headers.get('maximum-concurrent-requests')).toBe('5');
    expect(rawResponse.headers.get('current-concurrent-requests')).toBe('1');
  });

  it('stream(): the same audio, chunked, and deterministic for the same seed', async () => {
    const { data, rawResponse } = await client.speechToSpeech
      .stream('JBFqnCBsd6RMkjVDRZzb', request)
      .withRawResponse();
    const streamed = new Uint8Array(await new Response(data).arrayBuffer());
    expect(rawResponse.headers.get('transfer-encoding')).toBe('chunked');
    expect(rawResponse.headers.get('content-length')).toBeNull();
    const { format } = await parseBuffer(streamed, { mimeType: 'audio/mpeg' });
    expect(Math.abs((format.duration ?? 0) - 2)).toBeLessThan(0.1);
    const converted = await new Response(
      await client.speechToSpeech.convert('JBFqnCBsd6RMkjVDRZzb', request),
    ).arrayBuffer();
    expect(Buffer.from(streamed).equals(Buffer.from(converted))).toBe(true);
  });

  it('other formats and options round-trip through the SDK', async () => {
    const pcm = await client.speechToSpeech.convert('voice', {
      audio,
      outputFormat: 'pcm_16000',
      removeBackgroundNoise: true,
      fileFormat: 'other',
      enableLogging: false,
      optimizeStreamingLatency: 2,
    });
    expect((await new Response(pcm).arrayBuffer()).byteLength).toBe(2 * 16000 * 2);
    const wav = await client.speechToSpeech.convert('voice', { audio, outputFormat: 'wav_22050' });
    const { format } = await parseBuffer(new Uint8Array(await new Response(wav).arrayBuffer()));
    expect(format.container).toBe('WAVE');
    expect(format.duration).toBeCloseTo(2, 6);
  });

  it('a 422 becomes the SDK UnprocessableEntityError with the upstream body', async () => {
    const call = client.speechToSpeech.convert('voice', { ...request, seed: -3 });
    const error: unknown = await call.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ElevenLabs.UnprocessableEntityError);
    expect((error as ElevenLabsError).statusCode).toBe(422);
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

  it('a wrong key becomes an ElevenLabsError 401 whose requestId matches the body', async () => {
    const stranger = new ElevenLabsClient({ apiKey: 'wrong-key', baseUrl: sim.url, maxRetries: 0 });
    const error: unknown = await stranger.speechToSpeech
      .convert('voice', request)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ElevenLabsError);
    const { statusCode, body, requestId } = error as ElevenLabsError;
    expect(statusCode).toBe(401);
    expect(body).toMatchObject({
      detail: { type: 'authentication_error', code: 'invalid_api_key', status: 'invalid_api_key' },
    });
    expect(requestId).toBe((body as { detail: { request_id: string } }).detail.request_id);
  });
});
