import { parseBuffer } from 'music-metadata';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { alawToLinear, ulawToLinear } from '../../../src/simulator/audio/encode-g711.ts';
import { startSimulator, type RunningSimulator } from '../../../src/simulator/index.ts';
import { postSpeechToSpeech, toneWav } from './simulator-client.ts';

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator({ apiKey: 'test-key' });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.reset();
  sim.configure({
    rejectVoiceIds: [],
    limits: { maxInputBytes: 50 * 1024 * 1024, maxInputSeconds: 300 },
  });
});

async function bytesOf(response: Response): Promise<Buffer> {
  return Buffer.from(await response.arrayBuffer());
}

describe('audio formats over plain fetch', () => {
  it('pcm_16000: raw s16le, exactly 2.0 × 16000 × 2 bytes, voice-level and never clipped flat', async () => {
    const response = await postSpeechToSpeech(sim.url, { query: { output_format: 'pcm_16000' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('audio/pcm');
    const pcm = await bytesOf(response);
    expect(pcm.length).toBe(64000);
    const samples = new Int16Array(pcm.buffer, pcm.byteOffset, pcm.length / 2);
    expect(Math.max(...samples)).toBeGreaterThan(3000);
  });

  it('wav_44100 decodes as RIFF/WAVE PCM 16-bit mono of 2.0 s', async () => {
    const response = await postSpeechToSpeech(sim.url, { query: { output_format: 'wav_44100' } });
    expect(response.headers.get('content-type')).toBe('audio/wav');
    const { format } = await parseBuffer(await bytesOf(response));
    expect(format).toMatchObject({
      container: 'WAVE',
      sampleRate: 44100,
      bitsPerSample: 16,
      numberOfChannels: 1,
    });
    expect(format.duration).toBeCloseTo(2, 6);
  });

  it('ulaw_8000 and alaw_8000: one byte per sample, 16000 bytes, decoding to a signal', async () => {
    for (const [name, expand] of [
      ['ulaw_8000', ulawToLinear],
      ['alaw_8000', alawToLinear],
    ] as const) {
      const bytes = await bytesOf(
        await postSpeechToSpeech(sim.url, { query: { output_format: name } }),
      );
      expect(bytes.length).toBe(16000);
      expect(Math.max(...[...bytes].map(expand))).toBeGreaterThan(3000);
    }
  });

  it('mp3_22050_32 and opus_48000_64 decode to 2.0 s', async () => {
    for (const [name, codec] of [
      ['mp3_22050_32', 'MPEG 2 Layer 3'],
      ['opus_48000_64', 'Opus'],
    ] as const) {
      const { format } = await parseBuffer(
        await bytesOf(await postSpeechToSpeech(sim.url, { query: { output_format: name } })),
      );
      expect(format.codec).toBe(codec);
      expect(Math.abs((format.duration ?? 0) - 2)).toBeLessThan(0.03);
    }
  });

  it('takes the duration of pcm_s16le_16 input from its length', async () => {
    const input = Buffer.alloc(32000 * 3); // 3 s of 16 kHz s16le
    const response = await postSpeechToSpeech(sim.url, {
      audio: input,
      fields: { file_format: 'pcm_s16le_16' },
      query: { output_format: 'pcm_24000' },
    });
    expect((await bytesOf(response)).length).toBe(3 * 24000 * 2);
    expect(response.headers.get('character-cost')).toBe('50');
  });

  it('is deterministic for the same request and seed, and differs for another seed or voice', async () => {
    const call = (seed: string, voiceId = 'v1'): Promise<Buffer> =>
      postSpeechToSpeech(sim.url, {
        voiceId,
        fields: { seed },
        query: { output_format: 'pcm_16000' },
      }).then(bytesOf);
    const first = await call('11');
    expect((await call('11')).equals(first)).toBe(true);
    expect((await call('12')).equals(first)).toBe(false);
    expect((await call('11', 'v2')).equals(first)).toBe(false);
  });

  it('sends Content-Length on convert and several chunks on /stream', async () => {
    const convert = await postSpeechToSpeech(sim.url, { query: { output_format: 'pcm_16000' } });
    expect(convert.headers.get('content-length')).toBe('64000');
    await convert.arrayBuffer();
    const stream = await postSpeechToSpeech(sim.url, {
      stream: true,
      query: { output_format: 'pcm_16000' },
    });
    expect(stream.headers.get('transfer-encoding')).toBe('chunked');
    expect(stream.headers.get('content-length')).toBeNull();
    let reads = 0;
    let total = 0;
    for await (const chunk of stream.body ?? []) {
      reads++;
      total += (chunk as Uint8Array).length;
    }
    expect(total).toBe(64000);
    expect(reads).toBeGreaterThan(1);
  });
});

describe('upstream-shaped errors over plain fetch', () => {
  it('422 lists a bad output_format and a bad seed together', async () => {
    const response = await postSpeechToSpeech(sim.url, {
      query: { output_format: 'mp3_1_2' },
      fields: { seed: 'seven' },
    });
    expect(response.status).toBe(422);
    expect(response.headers.get('request-id')).toMatch(/^[0-9a-f]{32}$/);
    const body = (await response.json()) as {
      detail: { loc: unknown[]; msg: string; type: string }[];
    };
    expect(body.detail).toEqual([
      {
        loc: ['query', 'output_format'],
        msg: expect.stringContaining("'mp3_44100_128'") as unknown,
        type: 'enum',
      },
      {
        loc: ['body', 'seed'],
        msg: 'Input should be a valid integer, unable to parse string as an integer',
        type: 'int_parsing',
      },
    ]);
  });

  it('422 for a body that is not multipart at all: audio is missing', async () => {
    const response = await fetch(`${sim.url}/v1/speech-to-speech/v`, {
      method: 'POST',
      headers: { 'xi-api-key': 'test-key', 'content-type': 'application/json' },
      body: JSON.stringify({ audio: 'x' }),
    });
    expect(response.status).toBe(422);
    expect(await response.json()).toEqual({
      detail: [{ loc: ['body', 'audio'], msg: 'Field required', type: 'missing' }],
    });
  });

  it('401 invalid_api_key for a wrong key and for none', async () => {
    for (const apiKey of ['nope', null]) {
      const response = await postSpeechToSpeech(sim.url, { apiKey });
      expect(response.status).toBe(401);
      const body = (await response.json()) as { detail: Record<string, string> };
      expect(body.detail).toMatchObject({
        type: 'authentication_error',
        code: 'invalid_api_key',
        status: 'invalid_api_key',
        message: 'Invalid API key',
      });
      expect(body.detail.request_id).toBe(response.headers.get('request-id'));
    }
  });

  it('404 voice_not_found for a configured voice, 400 model_not_found for an unknown model', async () => {
    sim.configure({ rejectVoiceIds: ['gone'] });
    const voice = await postSpeechToSpeech(sim.url, { voiceId: 'gone' });
    expect(voice.status).toBe(404);
    expect(await voice.json()).toMatchObject({
      detail: { code: 'voice_not_found', status: 'voice_not_found' },
    });
    const model = await postSpeechToSpeech(sim.url, { fields: { model_id: 'eleven_v3' } });
    expect(model.status).toBe(400);
    expect(await model.json()).toMatchObject({
      detail: { code: 'model_not_found', param: 'model_id' },
    });
  });

  it('400 invalid_audio for bytes that are not audio', async () => {
    const response = await postSpeechToSpeech(sim.url, {
      audio: Buffer.from('definitely not audio, just some text'),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      detail: { type: 'invalid_request_error', code: 'invalid_audio' },
    });
  });

  it('400 for input over the size and the duration limits', async () => {
    sim.configure({ limits: { maxInputBytes: 100_000, maxInputSeconds: 1.5 } });
    const large = await postSpeechToSpeech(sim.url, { audio: toneWav(4) }); // 128 KB
    expect(large.status).toBe(400);
    expect(await large.json()).toMatchObject({ detail: { code: 'max_file_size_exceeded' } });
    const long = await postSpeechToSpeech(sim.url, { audio: toneWav(2) }); // 64 KB, 2 s
    expect(long.status).toBe(400);
    expect(await long.json()).toMatchObject({ detail: { code: 'max_audio_duration_exceeded' } });
    expect(sim.counters().responses).toEqual({ '400': 2 });
  });

  it('400 and Connection: close when the upload is far over the limit (the rest is never read)', async () => {
    sim.configure({ limits: { maxInputBytes: 1000 } });
    const response = await postSpeechToSpeech(sim.url, { audio: Buffer.alloc(3 * 1024 * 1024, 1) });
    expect(response.status).toBe(400);
    expect(response.headers.get('connection')).toBe('close');
    expect(await response.json()).toMatchObject({
      detail: { code: 'max_file_size_exceeded', param: 'audio' },
    });
  });

  it('FastAPI answers for unknown paths and methods, not counted as upstream requests', async () => {
    expect((await fetch(`${sim.url}/v1/nothing`)).status).toBe(404);
    const wrongMethod = await fetch(`${sim.url}/v1/speech-to-speech/v`);
    expect(wrongMethod.status).toBe(405);
    expect(await wrongMethod.json()).toEqual({ detail: 'Method Not Allowed' });
    expect(sim.counters().requests).toEqual({});
  });
});
