import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  CorruptMultipartError,
  declaredBoundary,
  readMultipartMixed,
} from '../../../../src/workers/music/multipart-mixed.ts';

const BOUNDARY = 'a1b2c3d4e5f6';
const JSON_TEXT = '{"composition_plan":{"sections":[]},"song_metadata":{"title":"T"}}';

/** A detailed-music body exactly as upstream.md describes it. */
function detailedBody(audio: Buffer, boundary = BOUNDARY, epilogue = ''): Buffer {
  return Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Type: application/json\r\n\r\n${JSON_TEXT}\r\n` +
        `--${boundary}\r\nContent-Type: audio/mpeg\r\n` +
        `Content-Disposition: attachment; filename="song.mp3"\r\n\r\n`,
    ),
    audio,
    Buffer.from(`\r\n--${boundary}--${epilogue}`),
  ]);
}

/** The body as a stream of `size`-byte chunks, as a socket might deliver it. */
function chunked(body: Buffer, size: number): Readable {
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < body.length; offset += size) {
    chunks.push(body.subarray(offset, offset + size));
  }
  return Readable.from(chunks);
}

async function parse(body: Buffer, size = 64 * 1024, contentType?: string) {
  const type = contentType ?? `multipart/mixed; boundary=${BOUNDARY}`;
  const parts = await readMultipartMixed(chunked(body, size), type, { maxPartBytes: 1 << 20 });
  return parts.map((part) => ({
    type: part.mediaType,
    name: part.filename,
    bytes: Buffer.from(part.bytes),
  }));
}

/** Audio bytes that contain everything a line-splitting parser trips over. */
function trickyAudio(): Buffer {
  const noise = Buffer.from(Array.from({ length: 700 }, (_, i) => (i * 37 + 11) % 256));
  return Buffer.concat([
    Buffer.from('\r\n'), // starts with a CRLF
    noise,
    Buffer.from(`--${BOUNDARY}`), // the boundary without the CRLF that makes a delimiter
    Buffer.from(`\r\n--${BOUNDARY.slice(0, 7)}`), // a delimiter prefix cut short
    Buffer.from(`\n--${BOUNDARY}--`), // LF only: not a delimiter either
    Buffer.from('\r\n\r\n--\r\n'),
    noise,
    Buffer.from('\r\n'), // ends with a CRLF of its own, before the delimiter's
  ]);
}

describe('readMultipartMixed', () => {
  it('splits the JSON part and the audio part, leaving no boundary bytes in the audio', async () => {
    const audio = trickyAudio();
    const parts = await parse(detailedBody(audio));
    expect(parts.map((part) => part.type)).toEqual(['application/json', 'audio/mpeg']);
    expect(parts[0]?.bytes.toString()).toBe(JSON_TEXT);
    expect(parts[1]?.name).toBe('song.mp3');
    expect(parts[1]?.bytes.length).toBe(audio.length);
    expect(parts[1]?.bytes.equals(audio)).toBe(true);
  });

  it.each([1, 2, 3, 5, 7, 13, 17, 64, 333])(
    'gives the same parts when the body arrives in %i-byte chunks',
    async (size) => {
      const audio = trickyAudio();
      const parts = await parse(detailedBody(audio), size);
      expect(parts[0]?.bytes.toString()).toBe(JSON_TEXT);
      expect(parts[1]?.bytes.equals(audio)).toBe(true);
    },
  );

  it('reads the boundary from the first line when Content-Type has none', async () => {
    const audio = trickyAudio();
    for (const type of ['application/json', '', 'multipart/mixed']) {
      const parts = await parse(detailedBody(audio), 9, type);
      expect(parts[1]?.bytes.equals(audio)).toBe(true);
    }
  });

  it('accepts a quoted boundary parameter', async () => {
    const boundary = 'quoted:boundary=x';
    const parts = await parse(
      detailedBody(Buffer.from('abc'), boundary),
      4,
      `multipart/mixed; boundary="${boundary}"; charset=utf-8`,
    );
    expect(parts[1]?.bytes.toString()).toBe('abc');
  });

  it('skips a preamble line and an epilogue, however they are chunked', async () => {
    const audio = Buffer.from('audio-bytes');
    const body = Buffer.concat([
      Buffer.from('preamble\r\n'),
      detailedBody(audio, BOUNDARY, '\r\nbye\r\n'),
    ]);
    for (const size of [1, 4, body.length]) {
      const parts = await parse(body, size);
      expect(parts[1]?.bytes.equals(audio)).toBe(true);
    }
  });

  it('keeps an empty audio part empty, not a CRLF', async () => {
    const parts = await parse(detailedBody(Buffer.alloc(0)));
    expect(parts[1]?.bytes.length).toBe(0);
  });

  it.each([
    ['a body cut before the closing delimiter', (b: Buffer) => b.subarray(0, b.length - 20)],
    ['a body cut inside the closing delimiter', (b: Buffer) => b.subarray(0, b.length - 1)],
    ['no opening boundary', (b: Buffer) => Buffer.concat([Buffer.from('x'.repeat(9000)), b])],
    ['an empty body', () => Buffer.alloc(0)],
    ['a JSON error body', () => Buffer.from('{"detail": "oops"}')],
  ])('refuses %s as corrupt', async (_name, damage) => {
    const body = damage(detailedBody(trickyAudio()));
    await expect(parse(body, 100)).rejects.toBeInstanceOf(CorruptMultipartError);
    await expect(parse(body, 100, 'application/json')).rejects.toBeInstanceOf(
      CorruptMultipartError,
    );
  });

  it('refuses a body whose boundary is not the declared one', async () => {
    const body = detailedBody(Buffer.from('abc'), 'other-boundary');
    await expect(parse(body)).rejects.toBeInstanceOf(CorruptMultipartError);
  });

  it('refuses a part over the size limit', async () => {
    const body = detailedBody(Buffer.alloc(2048, 7));
    const run = readMultipartMixed(chunked(body, 256), `multipart/mixed; boundary=${BOUNDARY}`, {
      maxPartBytes: 1024,
    });
    await expect(run).rejects.toBeInstanceOf(CorruptMultipartError);
  });

  it('passes errors of the body stream through unchanged', async () => {
    const failure = Object.assign(new Error('socket reset'), { code: 'ECONNRESET' });
    const broken = new Readable({ read() {} });
    broken.push(detailedBody(Buffer.from('abc')).subarray(0, 80));
    setImmediate(() => broken.destroy(failure));
    const run = readMultipartMixed(broken, `multipart/mixed; boundary=${BOUNDARY}`, {
      maxPartBytes: 1024,
    });
    await expect(run).rejects.toBe(failure);
  });
});

describe('declaredBoundary', () => {
  it.each([
    ['multipart/mixed; boundary=abc', 'abc'],
    ['Multipart/Mixed;boundary="a b"', 'a b'],
    ['multipart/mixed; boundary=abc ', 'abc'],
    ['multipart/mixed', null],
    ['application/json; boundary=abc', null],
    [undefined, null],
  ])('%s → %s', (header, expected) => {
    expect(declaredBoundary(header)).toBe(expected);
  });
});
