import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStorage } from '../../../../src/shared/storage/create-storage.ts';
import type { ObjectStorage } from '../../../../src/shared/storage/object-storage.ts';
import { storeDetailedResponse } from '../../../../src/workers/music/detailed-response.ts';
import type { UpstreamResponse } from '../../../../src/workers/upstream/upstream-client.ts';
import { UpstreamError } from '../../../../src/workers/upstream/upstream-error.ts';

const BOUNDARY = 'b0undary';
const DETAILS = {
  composition_plan: { positive_global_styles: [], negative_global_styles: [], sections: [] },
  song_metadata: {
    title: 'T',
    description: 'd',
    genres: ['pop'],
    languages: [],
    is_explicit: false,
  },
  words_timestamps: null,
};

function body(json: string, audio: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from(`--${BOUNDARY}\r\nContent-Type: application/json\r\n\r\n${json}\r\n`),
    Buffer.from(`--${BOUNDARY}\r\nContent-Type: audio/mpeg\r\n\r\n`),
    audio,
    Buffer.from(`\r\n--${BOUNDARY}--`),
  ]);
}

function response(bytes: Buffer): UpstreamResponse {
  return {
    status: 200,
    headers: { 'content-type': `multipart/mixed; boundary=${BOUNDARY}` },
    contentLength: bytes.length,
    body: Readable.from([bytes.subarray(0, 50), bytes.subarray(50)]),
  };
}

describe('storeDetailedResponse', () => {
  let root: string;
  let storage: ObjectStorage;
  let n = 0;
  const target = () => {
    const id = `job_${++n}`;
    return { id, outputFolder: `jobs/${id}/`, storage, signal: new AbortController().signal };
  };
  const keys = async (id: string) => {
    const found: string[] = [];
    for await (const key of storage.list(`jobs/${id}/`)) found.push(key);
    return found;
  };

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'detailed-'));
    storage = createStorage({
      url: `file://${root}`,
      s3: { region: 'unused', forcePathStyle: true, checksumMode: 'WHEN_REQUIRED' },
    });
  });
  afterAll(async () => {
    await storage.close();
    await rm(root, { recursive: true, force: true });
  });

  it('stores the audio part byte for byte and the JSON part as details', async () => {
    const audio = Buffer.from('\r\n--b0undar\r\nnot a delimiter\r\n');
    const t = target();
    const outputs = await storeDetailedResponse(
      t,
      response(body(JSON.stringify(DETAILS), audio)),
      'mp3_44100_128',
    );
    expect(outputs.map((o) => [o.name, o.key, o.content_type, o.bytes])).toEqual([
      ['audio', `jobs/${t.id}/audio.mp3`, 'audio/mpeg', audio.length],
      ['details', `jobs/${t.id}/details.json`, 'application/json', JSON.stringify(DETAILS).length],
    ]);
    const stored = Buffer.concat(await (await storage.get(`jobs/${t.id}/audio.mp3`)).toArray());
    expect(stored.equals(audio)).toBe(true);
    const details = Buffer.concat(await (await storage.get(`jobs/${t.id}/details.json`)).toArray());
    expect(JSON.parse(details.toString())).toEqual(DETAILS);
  });

  it.each([
    [
      'a truncated body',
      body(JSON.stringify(DETAILS), Buffer.from('abc')).subarray(0, 150),
      'bad_multipart',
    ],
    [
      'no audio part',
      Buffer.from(`--${BOUNDARY}\r\nContent-Type: application/json\r\n\r\n{}\r\n--${BOUNDARY}--`),
      'bad_multipart',
    ],
    [
      'JSON that does not parse',
      body('{"composition_plan":', Buffer.from('abc')),
      'bad_details_json',
    ],
    [
      'JSON without a composition plan',
      body('{"song_metadata":{}}', Buffer.from('abc')),
      'bad_details_json',
    ],
    ['not multipart at all', Buffer.from('{"ok":true}'), 'bad_multipart'],
  ])('fails the attempt as retryable on %s, storing nothing', async (_name, bytes, code) => {
    const t = target();
    const error: unknown = await storeDetailedResponse(t, response(bytes), 'mp3_44100_128').catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ kind: 'retryable', retryable: true, upstreamCode: code });
    expect(await keys(t.id)).toEqual([]);
  });
});
