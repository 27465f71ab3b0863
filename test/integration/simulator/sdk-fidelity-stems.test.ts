import type { ElevenLabsError } from '@elevenlabs/elevenlabs-js';
import { ElevenLabs, ElevenLabsClient } from '@elevenlabs/elevenlabs-js';
import { unzipSync } from 'fflate';
import { parseBuffer } from 'music-metadata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../../src/simulator/index.ts';
import { toneWav } from './simulator-client.ts';

// The official SDK's music.separateStems(), pointed at the simulator: it must send the request
// the simulator accepts and get back a ZIP stream whose every stem decodes.
describe('official SDK music.separateStems() against the simulator', () => {
  let sim: RunningSimulator;
  let client: ElevenLabsClient;

  beforeAll(async () => {
    sim = await startSimulator({ apiKey: 'test-key', port: 0 });
    client = new ElevenLabsClient({ apiKey: 'test-key', baseUrl: sim.url, maxRetries: 0 });
  });
  afterAll(async () => {
    await sim.close();
  });

  async function bytesOf(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
    return new Uint8Array(await new Response(stream).arrayBuffer());
  }

  it('six stems: a ZIP of six mp3 files, each as long as the input', async () => {
    const { data, rawResponse } = await client.music
      .separateStems({
        file: toneWav(2),
        stemVariationId: 'six_stems_v1',
        outputFormat: 'mp3_44100_128',
      })
      .withRawResponse();
    const zip = await bytesOf(data);
    expect(rawResponse.headers.get('content-type')).toBe('application/zip');
    expect(rawResponse.headers.get('content-disposition')).toBe('attachment; filename=stems.zip');
    expect(rawResponse.headers.get('content-length')).toBe(String(zip.length));
    expect(rawResponse.headers.get('request-id')).toMatch(/^[0-9a-f]{32}$/);
    const entries = unzipSync(zip);
    expect(Object.keys(entries)).toEqual([
      'vocals.mp3',
      'drums.mp3',
      'bass.mp3',
      'guitar.mp3',
      'piano.mp3',
      'other.mp3',
    ]);
    for (const bytes of Object.values(entries)) {
      const { format } = await parseBuffer(bytes, { mimeType: 'audio/mpeg' });
      expect(format.codec).toBe('MPEG 1 Layer 3');
      expect(format.bitrate).toBe(128_000);
      expect(Math.abs((format.duration ?? 0) - 2)).toBeLessThan(0.015);
    }
  });

  it('two stems in raw PCM, C2PA flag accepted, default output format otherwise', async () => {
    const pcm = await client.music.separateStems({
      file: toneWav(1.5),
      stemVariationId: 'two_stems_v1',
      outputFormat: 'pcm_16000',
      signWithC2Pa: true,
    });
    const entries = unzipSync(await bytesOf(pcm));
    expect(Object.keys(entries)).toEqual(['vocals.pcm', 'instrumental.pcm']);
    for (const bytes of Object.values(entries)) expect(bytes.length).toBe(1.5 * 16_000 * 2);

    const defaults = unzipSync(
      await bytesOf(await client.music.separateStems({ file: toneWav(1) })),
    );
    expect(Object.keys(defaults)).toHaveLength(6);
    const { format } = await parseBuffer(defaults['vocals.mp3'] as Uint8Array, {
      mimeType: 'audio/mpeg',
    });
    expect(format.sampleRate).toBe(44100);
  });

  it('an Ogg Opus stem decodes with the input duration', async () => {
    const opus = await client.music.separateStems({
      file: toneWav(1),
      stemVariationId: 'two_stems_v1',
      outputFormat: 'opus_48000_64',
    });
    const entries = unzipSync(await bytesOf(opus));
    const { format } = await parseBuffer(entries['vocals.opus'] as Uint8Array, {
      mimeType: 'audio/ogg',
    });
    expect(format.codec).toMatch(/opus/i);
    expect(format.duration).toBeCloseTo(1, 2);
  });

  it('a 422 becomes UnprocessableEntityError with the upstream body', async () => {
    const error: unknown = await client.music
      .separateStems({ file: toneWav(1) }, { queryParams: { output_format: 'wav_44100' } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ElevenLabs.UnprocessableEntityError);
    const body = (error as ElevenLabsError).body as { detail: { loc: string[] }[] };
    expect(body.detail.map((issue) => issue.loc)).toEqual([['query', 'output_format']]);
  });

  it('undecodable audio is a 400 invalid_audio, a free plan a 402 limited_access', async () => {
    const bad: unknown = await client.music
      .separateStems({ file: Buffer.from('not audio at all') })
      .catch((e: unknown) => e);
    expect((bad as ElevenLabsError).statusCode).toBe(400);
    expect((bad as ElevenLabsError).body).toMatchObject({ detail: { code: 'invalid_audio' } });
    sim.configure({ plan: 'free' });
    try {
      const refused: unknown = await client.music
        .separateStems({ file: toneWav(1) })
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
