import { listMp3Frames } from './mp3-frames.ts';
import type { OutputFormat } from './output-formats.ts';

/**
 * Cuts a rendered audio body into consecutive pieces the way a streaming upstream sends them:
 * at frame (mp3), page (Ogg Opus) or sample (raw) boundaries, so the pieces concatenate back
 * into the whole, and each piece knows the stretch of time it plays.
 */

export interface AudioChunk {
  bytes: Buffer;
  startSeconds: number;
  endSeconds: number;
}

/** Byte offsets where pieces may start, each with the playing time before it. */
interface Boundary {
  offset: number;
  seconds: number;
}

function mp3Boundaries(body: Buffer): Boundary[] {
  const boundaries: Boundary[] = [{ offset: 0, seconds: 0 }];
  let offset = 0;
  let seconds = 0;
  for (const frame of listMp3Frames(body)) {
    offset += frame.bytes;
    seconds += frame.samplesPerFrame / frame.sampleRate;
    boundaries.push({ offset, seconds });
  }
  return boundaries;
}

function oggBoundaries(body: Buffer): Boundary[] {
  const boundaries: Boundary[] = [{ offset: 0, seconds: 0 }];
  let offset = 0;
  let preSkip = 0;
  while (offset + 27 <= body.length && body.toString('latin1', offset, offset + 4) === 'OggS') {
    const segments = body[offset + 26] ?? 0;
    const lacing = body.subarray(offset + 27, offset + 27 + segments);
    const length = 27 + segments + lacing.reduce((sum, value) => sum + value, 0);
    const payload = body.subarray(offset + 27 + segments, offset + length);
    if (payload.toString('latin1', 0, 8) === 'OpusHead') preSkip = payload.readUInt16LE(10);
    const granule = Number(body.readBigUInt64LE(offset + 6));
    offset += length;
    boundaries.push({ offset, seconds: Math.max(0, granule - preSkip) / 48_000 });
  }
  return boundaries;
}

function rawBoundaries(body: Buffer, bytesPerSecond: number, frameBytes: number): Boundary[] {
  const step = frameBytes * Math.max(1, Math.round(bytesPerSecond / frameBytes / 100)); // 10 ms
  const boundaries: Boundary[] = [];
  for (let offset = 0; offset < body.length; offset += step) {
    boundaries.push({ offset, seconds: offset / bytesPerSecond });
  }
  boundaries.push({ offset: body.length, seconds: body.length / bytesPerSecond });
  return boundaries;
}

function boundariesOf(format: OutputFormat, body: Buffer): Boundary[] {
  switch (format.codec) {
    case 'mp3':
      return mp3Boundaries(body);
    case 'opus':
      return oggBoundaries(body);
    case 'pcm':
      return rawBoundaries(body, format.sampleRate * 2, 2);
    case 'ulaw':
    case 'alaw':
      return rawBoundaries(body, format.sampleRate, 1);
    case 'wav':
      // A WAV header states the whole length up front: it cannot be streamed in pieces.
      return [
        { offset: 0, seconds: 0 },
        { offset: body.length, seconds: Number.POSITIVE_INFINITY },
      ];
  }
}

/** `body` in pieces of about `targetSeconds` each (the last may be shorter). */
export function splitAudio(
  format: OutputFormat,
  body: Buffer,
  targetSeconds: number,
): AudioChunk[] {
  const boundaries = boundariesOf(format, body);
  const end = boundaries[boundaries.length - 1];
  // Bytes the walk could not frame still belong to the answer: they ride on the last piece.
  if (end && end.offset < body.length)
    boundaries.push({ offset: body.length, seconds: end.seconds });
  const chunks: AudioChunk[] = [];
  let start = boundaries[0] ?? { offset: 0, seconds: 0 };
  for (const boundary of boundaries.slice(1)) {
    const last = boundary === boundaries[boundaries.length - 1];
    if (boundary.seconds - start.seconds < targetSeconds && !last) continue;
    if (boundary.offset === start.offset) continue;
    chunks.push({
      bytes: body.subarray(start.offset, boundary.offset),
      startSeconds: start.seconds,
      endSeconds: boundary.seconds,
    });
    start = boundary;
  }
  return chunks;
}
