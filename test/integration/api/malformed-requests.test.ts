import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testAudio } from '../../support/audio-bytes.ts';
import { startApiHarness, type ApiHarness } from './api-harness.ts';

/** The 500s a fuzzer found: malformed multipart and bodies are client errors, in the envelope. */

const KEY = 'malformed-key-5b1e9c3a7d';

function truncatedForm(field: string, data: Buffer): { payload: Buffer; boundary: string } {
  const boundary = 'xYzBoundary123';
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="a.wav"\r\nContent-Type: audio/wav\r\n\r\n`,
  );
  return { payload: Buffer.concat([head, data]), boundary };
}

describe('malformed requests', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApiHarness({ apiKeys: [KEY] });
  });
  afterAll(async () => {
    await api.close();
  });

  const cases: [string, string, Buffer | string, string][] = [
    ['/v1/uploads', 'multipart/form-data', testAudio(100), 'missing boundary'],
    ['/v1/jobs', 'multipart/form-data', '{"type":"music_plan"}', 'missing boundary'],
    [
      '/v1/jobs',
      'multipart/form-data; boundary=abc',
      '{"type":"music_plan","params":{}}',
      'JSON as multipart',
    ],
    ['/v1/uploads', 'multipart/form-data; boundary=abc', '{"a":1}', 'JSON as multipart'],
    ['/v1/batches', 'multipart/form-data; boundary=abc', '{"items":[]}', 'JSON as multipart'],
    ['/v1/jobs', 'multipart/form-data; boundary=', 'x', 'empty boundary'],
    ['/v1/uploads', 'multipart/form-data; boundary="unterminated', 'x', 'bad boundary quoting'],
  ];

  it.each(cases)('%s %s (%s) → 4xx envelope', async (url, type, payload, _what) => {
    const before = await api.storedKeys();
    const response = await api.call({
      method: 'POST',
      url,
      key: KEY,
      payload,
      headers: { 'content-type': type },
    });
    expect(response.statusCode, response.body).toBeGreaterThanOrEqual(400);
    expect(response.statusCode, response.body).toBeLessThan(500);
    expect(response.json()).toMatchObject({ error: { code: expect.any(String) as unknown } });
    expect(await api.storedKeys()).toEqual(before);
  });

  it.each(['/v1/uploads', '/v1/jobs'])(
    '%s: a multipart body cut short → 400, nothing stored',
    async (url) => {
      const before = await api.storedKeys();
      const field = url === '/v1/uploads' ? 'file' : 'audio';
      const { payload, boundary } = truncatedForm(field, testAudio(2_000));
      const response = await api.call({
        method: 'POST',
        url,
        key: KEY,
        payload,
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      });
      expect(response.statusCode, response.body).toBeGreaterThanOrEqual(400);
      expect(response.statusCode, response.body).toBeLessThan(500);
      expect(await api.storedKeys()).toEqual(before);
      expect(await api.deps.storage.listPendingUploads('')).toEqual([]);
    },
  );
});
