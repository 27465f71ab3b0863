import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startApiHarness,
  TEST_MAX_UPLOAD_BYTES,
  multipartBody,
  type ApiHarness,
} from './api-harness.ts';
import { testAudio } from '../../support/audio-bytes.ts';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe.each(['file', 's3'] as const)('POST /v1/uploads (%s storage)', (storage) => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApiHarness({ storage });
  });
  afterAll(async () => {
    await api.close();
  });

  it('stores a raw body with its content type, size and sha256', async () => {
    const audio = Buffer.from('RIFF....WAVEfmt fake audio bytes '.repeat(100));
    const response = await api.call({
      method: 'POST',
      url: '/v1/uploads',
      payload: audio,
      headers: { 'content-type': 'audio/wav' },
    });
    expect(response.statusCode).toBe(201);
    const body = response.json<Record<string, unknown>>();
    expect(body).toMatchObject({
      object: 'upload',
      bytes: audio.length,
      sha256: sha256(audio),
      content_type: 'audio/wav',
    });
    expect(body.id).toMatch(/^upl_[0-9a-z]{26}$/);
    expect(Object.keys(body).sort()).toEqual([
      'bytes',
      'content_type',
      'created_at',
      'id',
      'object',
      'sha256',
    ]);
    const stored = await readAll(await api.deps.storage.get(`uploads/${String(body.id)}`));
    expect(stored.equals(audio)).toBe(true);
    expect(await api.deps.uploads.getOwned(String(body.id), 'local')).toMatchObject({
      bytes: audio.length,
    });
  });

  it('refuses a JSON body with 415 naming what it is, storing nothing', async () => {
    const before = await api.storedKeys();
    const response = await api.call({
      method: 'POST',
      url: '/v1/uploads',
      payload: Buffer.from('{"not": "audio"}'),
      headers: { 'content-type': 'application/json' },
    });
    expect(response.statusCode).toBe(415);
    expect(response.json()).toMatchObject({ error: { code: 'unsupported_media_type' } });
    expect(response.json<{ error: { message: string } }>().error.message).toMatch(/found: text/);
    expect(await api.storedKeys()).toEqual(before);
  });

  it('stores a multipart `file` part', async () => {
    const audio = testAudio(5000, 7);
    const form = await multipartBody({
      // Declared loosely: the recorded type is what the bytes are.
      file: { data: audio, type: 'application/octet-stream', filename: 'a.wav' },
    });
    const response = await api.call({ method: 'POST', url: '/v1/uploads', ...form });
    expect(response.statusCode).toBe(201);
    const body = response.json<{ id: string }>();
    expect(body).toMatchObject({ bytes: 5000, sha256: sha256(audio), content_type: 'audio/wav' });
    expect((await readAll(await api.deps.storage.get(`uploads/${body.id}`))).equals(audio)).toBe(
      true,
    );
  });

  it('refuses bodies over MAX_UPLOAD_BYTES with 413 and stores nothing', async () => {
    const before = await api.storedKeys();
    const big = testAudio(TEST_MAX_UPLOAD_BYTES + 1, 1);
    const raw = await api.call({
      method: 'POST',
      url: '/v1/uploads',
      payload: big,
      headers: { 'content-type': 'audio/wav' },
    });
    expect(raw.statusCode).toBe(413);
    expect(raw.json()).toMatchObject({ error: { code: 'payload_too_large' } });
    // Chunked: no Content-Length to refuse early, so storage's own limit must trip.
    const chunked = await api.call({
      method: 'POST',
      url: '/v1/uploads',
      payload: big,
      headers: { 'content-type': 'audio/wav', 'transfer-encoding': 'chunked' },
    });
    expect(chunked.statusCode).toBe(413);
    const form = await multipartBody({ file: { data: big, type: 'audio/wav' } });
    const multipart = await api.call({ method: 'POST', url: '/v1/uploads', ...form });
    expect(multipart.statusCode).toBe(413);
    expect(multipart.json()).toMatchObject({ error: { code: 'payload_too_large' } });
    expect(await api.storedKeys()).toEqual(before);
    expect(await api.deps.storage.listPendingUploads('')).toEqual([]);
  });

  it('refuses an empty body with 422 and stores nothing', async () => {
    const before = await api.storedKeys();
    const empty = await api.call({
      method: 'POST',
      url: '/v1/uploads',
      headers: { 'content-type': 'audio/wav' },
    });
    expect(empty.statusCode).toBe(422);
    expect(empty.json()).toMatchObject({
      error: { code: 'validation_failed', details: [{ field: 'body' }] },
    });
    const emptyFile = await multipartBody({ file: { data: Buffer.alloc(0), type: 'audio/wav' } });
    const multipart = await api.call({ method: 'POST', url: '/v1/uploads', ...emptyFile });
    expect(multipart.statusCode).toBe(422);
    expect(multipart.json()).toMatchObject({ error: { details: [{ field: 'file' }] } });
    const noFile = await multipartBody({ other: 'x' });
    const missing = await api.call({ method: 'POST', url: '/v1/uploads', ...noFile });
    expect(missing.statusCode).toBe(422);
    expect(
      missing.json<{ error: { details: { field: string }[] } }>().error.details.map((d) => d.field),
    ).toEqual(['other', 'file']);
    expect(await api.storedKeys()).toEqual(before);
  });
});
