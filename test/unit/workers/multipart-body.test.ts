import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { buildMultipartBody } from '../../../src/workers/upstream/multipart-body.ts';
import { expectLength } from '../../../src/workers/upstream/expect-length.ts';
import { UpstreamError } from '../../../src/workers/upstream/upstream-error.ts';

describe('buildMultipartBody', () => {
  it('streams fields and files with an exact Content-Length that a standard parser accepts', async () => {
    const audio = Buffer.from('RIFF....audio bytes');
    const form = buildMultipartBody([
      {
        name: 'audio',
        fileName: 'input',
        contentType: 'audio/wav',
        bytes: audio.length,
        open: () => Promise.resolve(Readable.from([audio.subarray(0, 5), audio.subarray(5)])),
      },
      { name: 'model_id', value: 'eleven_multilingual_sts_v2' },
      { name: 'voice_settings', value: JSON.stringify({ stability: 0.5 }) },
    ]);
    const raw = Buffer.from(await text(form.body));
    expect(raw.length).toBe(form.contentLength);

    // The platform's own multipart parser is the reference.
    const parsed = await new Response(raw, {
      headers: { 'content-type': form.contentType },
    }).formData();
    expect(parsed.get('model_id')).toBe('eleven_multilingual_sts_v2');
    expect(JSON.parse(parsed.get('voice_settings') as string)).toEqual({ stability: 0.5 });
    const file = parsed.get('audio') as File;
    expect(file.name).toBe('input');
    expect(Buffer.from(await file.arrayBuffer())).toEqual(audio);
  });
});

describe('expectLength', () => {
  it('passes a body of the announced length', async () => {
    const out = await text(Readable.from([Buffer.from('abcd')]).pipe(expectLength(4)));
    expect(out).toBe('abcd');
  });

  it('fails a truncated body as a retryable upstream error', async () => {
    const checked = Readable.from([Buffer.from('ab')]).pipe(expectLength(4));
    const error = await text(checked).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).kind).toBe('retryable');
    expect((error as UpstreamError).upstreamCode).toBe('truncated_body');
  });

  it('accepts anything when no length was announced', async () => {
    expect(await text(Readable.from([Buffer.from('abc')]).pipe(expectLength(null)))).toBe('abc');
  });
});
