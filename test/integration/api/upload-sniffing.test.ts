import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeMp3 } from '../../../src/simulator/audio/encode-mp3.ts';
import { testAudio } from '../../support/audio-bytes.ts';
import { sineWav } from '../e2e/audio-fixtures.ts';
import { multipartBody, startApiHarness, type ApiHarness } from './api-harness.ts';

/** Uploads must be audio: sniffed before anything is stored; raw PCM only when declared. */

const PNG = Buffer.concat([
  Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex'),
  Buffer.alloc(64),
]);
const ZIP = Buffer.concat([Buffer.from('504b0304140000000800', 'hex'), Buffer.alloc(64, 1)]);
/** 0.5 s of a 16-bit tone at 16 kHz, no header: what `file_format: pcm_s16le_16` means. */
const PCM = sineWav(0.5).subarray(44);

const notAudio: [string, Buffer, string, RegExp][] = [
  ['HTML', Buffer.from('<!doctype html><html><body>hello</body></html>'), 'text/html', /text/],
  ['JSON', Buffer.from('{"type":"speech_to_speech"}'), 'application/json', /text/],
  ['HTML declared as audio', Buffer.from('<html></html>'), 'audio/wav', /text/],
  ['PNG declared as audio', PNG, 'audio/mpeg', /image\/png/],
  ['ZIP', ZIP, 'application/octet-stream', /application\/zip/],
  ['binary noise', Buffer.alloc(5_000, 1), 'audio/wav', /no known audio format/],
  ['PNG declared as raw PCM', PNG, 'audio/pcm', /image\/png/],
  ['text declared as raw PCM', Buffer.from('just some words, no audio'), 'audio/pcm', /text/],
];

describe('upload sniffing', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApiHarness();
  });
  afterAll(async () => {
    await api.close();
  });

  it.each(notAudio)(
    'refuses %s with 415 naming it, raw or multipart, storing nothing',
    async (_n, bytes, type, found) => {
      const before = await api.storedKeys();
      const raw = await api.call({
        method: 'POST',
        url: '/v1/uploads',
        payload: bytes,
        headers: { 'content-type': type },
      });
      const form = await api.call({
        method: 'POST',
        url: '/v1/uploads',
        ...(await multipartBody({ file: { data: bytes, type } })),
      });
      const oneShot = await api.call({
        method: 'POST',
        url: '/v1/jobs',
        ...(await multipartBody({
          request: JSON.stringify({ type: 'speech_to_speech', params: { voice_id: 'v' } }),
          audio: { data: bytes, type },
        })),
      });
      for (const response of [raw, form, oneShot]) {
        expect(response.statusCode, response.body).toBe(415);
        const { error } = response.json<{ error: { code: string; message: string } }>();
        expect(error.code).toBe('unsupported_media_type');
        expect(error.message).toMatch(found);
      }
      expect(await api.storedKeys()).toEqual(before);
      expect(await api.queueCounts()).toMatchObject({ waiting: 0 });
    },
  );

  it('stores WAV, MP3 and the examples/ inputs, recording the detected type', async () => {
    const mp3 = encodeMp3(new Int16Array(1_152 * 4), 16_000, 32);
    const example = await readFile(new URL('../../../examples/audio/line-1.wav', import.meta.url));
    for (const [bytes, declared, recorded] of [
      [sineWav(0.2), 'audio/wav', 'audio/wav'],
      [mp3, 'application/octet-stream', 'audio/mpeg'],
      [example, 'audio/wav', 'audio/wav'],
    ] as const) {
      const response = await api.call({
        method: 'POST',
        url: '/v1/uploads',
        payload: bytes,
        headers: { 'content-type': declared },
      });
      expect(response.statusCode, response.body).toBe(201);
      expect(response.json()).toMatchObject({ bytes: bytes.length, content_type: recorded });
    }
  });

  it('takes raw PCM declared as audio/pcm, in whole 16-bit samples only', async () => {
    const upload = await api.call({
      method: 'POST',
      url: '/v1/uploads',
      payload: PCM,
      headers: { 'content-type': 'audio/pcm' },
    });
    expect(upload.statusCode, upload.body).toBe(201);
    expect(upload.json()).toMatchObject({ content_type: 'audio/pcm', bytes: PCM.length });
    const before = await api.storedKeys();
    const odd = await api.call({
      method: 'POST',
      url: '/v1/uploads',
      payload: PCM.subarray(1),
      headers: { 'content-type': 'audio/pcm' },
    });
    expect(odd.statusCode).toBe(422);
    expect(await api.storedKeys()).toEqual(before);
  });

  it('matches file_format to the input: pcm_s16le_16 needs raw PCM, raw PCM needs it', async () => {
    const pcmUpload = await api.call({
      method: 'POST',
      url: '/v1/uploads',
      payload: PCM,
      headers: { 'content-type': 'audio/pcm' },
    });
    const pcm = pcmUpload.json<{ id: string }>().id;
    const wav = await api.upload(testAudio(400, 2));
    const job = (uploadId: string, params: object = {}, type = 'speech_to_speech') =>
      api.call({
        method: 'POST',
        url: '/v1/jobs',
        payload: {
          type,
          params: type === 'speech_to_speech' ? { voice_id: 'v', ...params } : params,
          input: { upload_id: uploadId },
        },
      });
    expect((await job(pcm, { file_format: 'pcm_s16le_16' })).statusCode).toBe(202);
    expect((await job(wav)).statusCode).toBe(202);
    for (const [response, field] of [
      [await job(pcm), 'params.file_format'],
      [await job(wav, { file_format: 'pcm_s16le_16' }), 'params.file_format'],
      [await job(pcm, {}, 'stem_separation'), 'input.upload_id'],
    ] as const) {
      expect(response.statusCode, response.body).toBe(422);
      expect(response.json()).toMatchObject({
        error: { details: [{ field, code: 'input_format_mismatch' }] },
      });
    }
  });

  it('refuses metadata keys and values with control characters or lone surrogates (422 naming the field)', async () => {
    const uploadId = await api.upload();
    for (const [metadata, field] of [
      [{ '\u0000': 'x' }, 'metadata'],
      [{ 'a\u001bb': 'x' }, 'metadata'],
      [{ note: 'line\u0000break' }, 'metadata.note'],
      [{ note: 'half \ud800 pair' }, 'metadata.note'],
      [{ note: 'lone \udc00 low' }, 'metadata.note'],
      [{ '\ud83d': 1 }, 'metadata'],
    ] as const) {
      const response = await api.call({
        method: 'POST',
        url: '/v1/jobs',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({
          type: 'speech_to_speech',
          params: { voice_id: 'v' },
          input: { upload_id: uploadId },
          metadata,
        }),
      });
      expect(response.statusCode, JSON.stringify(metadata)).toBe(422);
      const { error } = response.json<{ error: { details: { field: string }[] } }>();
      expect(error.details.map((d) => d.field.startsWith(field))).toContain(true);
    }
    const fine = await api.call({
      method: 'POST',
      url: '/v1/jobs',
      payload: {
        type: 'speech_to_speech',
        params: { voice_id: 'v' },
        input: { upload_id: uploadId },
        metadata: { 'épisode 😀': 'déjà vu 😀', n: 1 },
      },
    });
    expect(fine.statusCode, fine.body).toBe(202);
  });
});
