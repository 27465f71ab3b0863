import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { PayloadTooLargeError } from '../../../src/shared/errors.ts';
import { MeasureStream } from '../../../src/shared/storage/measure-stream.ts';

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/** Pipes `chunks` through a MeasureStream into a sink; returns what reached the sink. */
function measure(chunks: Buffer[], maxBytes?: number) {
  const stream = new MeasureStream({ maxBytes });
  const received: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      received.push(chunk);
      callback();
    },
  });
  const done = pipeline(Readable.from(chunks), stream, sink);
  return { stream, done, received };
}

describe('MeasureStream', () => {
  it('passes bytes through unchanged and reports their count and sha256', async () => {
    const chunks = [Buffer.from('hello '), Buffer.from('world'), Buffer.alloc(70_000, 7)];
    const { stream, done, received } = measure(chunks);
    await done;
    const all = Buffer.concat(chunks);
    expect(Buffer.concat(received).equals(all)).toBe(true);
    expect(stream.result()).toEqual({ bytes: all.length, sha256: sha256(all) });
  });

  it('measures an empty stream', async () => {
    const { stream, done } = measure([]);
    await done;
    expect(stream.result()).toEqual({ bytes: 0, sha256: sha256(Buffer.alloc(0)) });
  });

  it('accepts exactly maxBytes', async () => {
    const { stream, done } = measure([Buffer.alloc(6), Buffer.alloc(4)], 10);
    await done;
    expect(stream.result().bytes).toBe(10);
  });

  it('fails with PayloadTooLargeError on the chunk that passes maxBytes, never forwarding it', async () => {
    const { done, received } = measure([Buffer.alloc(6), Buffer.alloc(5), Buffer.alloc(1)], 10);
    const error = await done.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect(error).toMatchObject({ code: 'payload_too_large', httpStatus: 413 });
    expect(Buffer.concat(received).length).toBe(6);
  });

  it('stops an endless source as soon as the limit passes', async () => {
    let produced = 0;
    const endless = new Readable({
      read() {
        produced += 1024;
        this.push(Buffer.alloc(1024));
      },
    });
    const stream = new MeasureStream({ maxBytes: 100_000 });
    const sink = new Writable({ write: (_chunk, _encoding, callback) => callback() });
    await expect(pipeline(endless, stream, sink)).rejects.toBeInstanceOf(PayloadTooLargeError);
    expect(endless.destroyed).toBe(true);
    expect(produced).toBeLessThan(1_000_000);
  });

  it('has no result before the end', () => {
    expect(() => new MeasureStream().result()).toThrow(/before the stream ended/);
  });

  it.each([-1, 1.5, Number.NaN])('refuses maxBytes %s', (maxBytes) => {
    expect(() => new MeasureStream({ maxBytes })).toThrow(RangeError);
  });
});
