import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createStorage } from '../../../../src/shared/storage/create-storage.ts';
import type { ObjectStorage } from '../../../../src/shared/storage/object-storage.ts';
import { readTimestampedAudio } from '../../../../src/workers/dialogue/read-timestamped-audio.ts';
import type { UpstreamResponse } from '../../../../src/workers/upstream/upstream-client.ts';
import { UpstreamError } from '../../../../src/workers/upstream/upstream-error.ts';

/** Raw PCM at 8 kHz: 1 s is 16,000 bytes, so durations are exact. */
const second = (value: number) => Buffer.alloc(16_000, value);
const line = (audio: Buffer, start: number) =>
  JSON.stringify({
    audio_base64: audio.toString('base64'),
    alignment: {
      characters: ['a', 'b'],
      character_start_times_seconds: [start, start + 0.4],
      character_end_times_seconds: [start + 0.4, start + 0.8],
    },
    normalized_alignment: null,
    voice_segments: [
      {
        voice_id: 'v',
        start_time_seconds: start,
        end_time_seconds: start + 0.8,
        character_start_index: 0,
        character_end_index: 2,
        dialogue_input_index: 0,
      },
    ],
  }) + '\n';

function response(body: string | Buffer[], contentLength: number | null = null): UpstreamResponse {
  const pieces = typeof body === 'string' ? [Buffer.from(body)] : body;
  return { status: 200, headers: {}, contentLength, body: Readable.from(pieces) };
}

describe('readTimestampedAudio (file storage)', () => {
  let root: string;
  let storage: ObjectStorage;
  const target = () => ({
    outputFolder: 'jobs/job_test/',
    storage,
    signal: new AbortController().signal,
  });

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'dialogue-read-'));
    storage = createStorage({
      url: `file://${root}`,
      s3: { region: 'unused', forcePathStyle: true, checksumMode: 'WHEN_REQUIRED' },
    });
  });
  afterEach(async () => {
    await storage.close();
    await rm(root, { recursive: true, force: true });
  });

  async function stored(): Promise<string[]> {
    const keys: string[] = [];
    for await (const key of storage.list('')) keys.push(key);
    return keys;
  }

  it('writes the decoded audio of every line, in order, and relative times made absolute', async () => {
    const ndjson = line(second(1), 0) + line(second(2), 0.1) + line(second(3), 0);
    const bytes = Buffer.from(ndjson);
    // Cut mid-line, as HTTP chunks are.
    const { audio, timestamps } = await readTimestampedAudio(
      target(),
      response([bytes.subarray(0, 1000), bytes.subarray(1000, 30_000), bytes.subarray(30_000)]),
      { format: 'pcm_8000', stream: true },
    );
    expect(audio).toMatchObject({
      name: 'audio',
      key: 'jobs/job_test/audio.pcm',
      bytes: 48_000,
      duration_ms: 3000,
    });
    const saved = Buffer.concat(await (await storage.get(audio.key)).toArray());
    expect(saved.equals(Buffer.concat([second(1), second(2), second(3)]))).toBe(true);
    expect(timestamps.chunkTimes).toBe('relative');
    expect(timestamps.document.alignment?.character_start_times_seconds).toEqual([
      0, 0.4, 1.1, 1.5, 2, 2.4,
    ]);
    expect(timestamps.document.voice_segments).toEqual([
      expect.objectContaining({
        start_time_seconds: 0,
        end_time_seconds: 2.8,
        character_start_index: 0,
        character_end_index: 6,
      }),
    ]);
  });

  it.each([
    ['a line that is not JSON', line(second(1), 0) + '{"audio_base64": "AAAA", "voice_seg\n'],
    ['a line without audio', line(second(1), 0) + '{"voice_segments": []}\n'],
    [
      'audio that is not base64',
      line(second(1), 0) + '{"audio_base64": "@@@@", "voice_segments": []}\n',
    ],
    ['an empty stream', '\n\n'],
  ])('fails retryably on %s, leaving no audio behind', async (_name, body) => {
    const error = await readTimestampedAudio(target(), response(body), {
      format: 'pcm_8000',
      stream: true,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).kind).toBe('retryable');
    expect((error as UpstreamError).upstreamCode).toBe('invalid_timestamps_body');
    expect(await stored()).toEqual([]);
  });

  it('reads the one JSON object of /with-timestamps, and refuses it cut short of Content-Length', async () => {
    const body = line(second(4), 0);
    const whole = await readTimestampedAudio(target(), response(body, Buffer.byteLength(body)), {
      format: 'pcm_8000',
      stream: false,
    });
    expect([whole.audio.bytes, whole.timestamps.chunkTimes]).toEqual([16_000, 'single']);
    await storage.delete(whole.audio.key);

    const cut = body.slice(0, body.length - 10);
    const error = await readTimestampedAudio(target(), response(cut, Buffer.byteLength(body)), {
      format: 'pcm_8000',
      stream: false,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).kind).toBe('retryable');
    expect(await stored()).toEqual([]);
  });
});
