import type { AddressInfo } from 'node:net';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, TEST_MAX_UPLOAD_BYTES, type ApiHarness } from './api-harness.ts';
import { testAudio } from '../../support/audio-bytes.ts';

/** Over a real socket: an oversized upload is answered 413 (not a reset), and nothing stored. */
describe('upload limits over a socket', () => {
  let api: ApiHarness;
  let port: number;
  beforeAll(async () => {
    api = await startApiHarness();
    await api.app.listen({ port: 0, host: '127.0.0.1' });
    port = (api.app.server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await api.close();
  });

  function post(body: Buffer, chunked: boolean): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/v1/uploads',
          headers: {
            'content-type': 'audio/wav',
            ...(chunked ? {} : { 'content-length': body.length }),
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      // The server may close while we still write: that is the point of the 413.
      req.on('error', reject);
      const chunk = 16 * 1024;
      for (let offset = 0; offset < body.length; offset += chunk)
        req.write(body.subarray(offset, offset + chunk));
      req.end();
    });
  }

  it.each([false, true])('answers 413 with the envelope (chunked: %s)', async (chunked) => {
    const before = await api.storedKeys();
    const response = await post(testAudio(TEST_MAX_UPLOAD_BYTES * 4, 1), chunked);
    expect(response.status).toBe(413);
    expect(JSON.parse(response.body)).toMatchObject({ error: { code: 'payload_too_large' } });
    expect(await api.storedKeys()).toEqual(before);
    expect(await api.deps.storage.listPendingUploads('')).toEqual([]);
  });

  it('still serves on a fresh connection afterwards', async () => {
    const response = await post(testAudio(100, 1), false);
    expect(response.status).toBe(201);
  });
});
