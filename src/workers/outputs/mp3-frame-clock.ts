/**
 * Counts the playing time of an MP3 byte stream fed in arbitrary pieces, by walking MPEG audio
 * frame headers. Frames may straddle pieces: the incomplete tail waits for the next piece. A
 * first frame carrying an encoder's Xing, Info or VBRI tag is metadata, not audio (decoders
 * skip it), so it is not counted.
 */

const BITRATES_V1 = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
const BITRATES_V2 = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
const SAMPLE_RATES_V1 = [44100, 48000, 32000];

interface FrameHeader {
  bytes: number;
  seconds: number;
}

/** The Layer III frame header at `offset`, or null when the bytes there are not one. */
function frameAt(bytes: Buffer, offset: number): FrameHeader | null {
  if (offset + 4 > bytes.length) return null;
  const b1 = bytes[offset + 1] ?? 0;
  const b2 = bytes[offset + 2] ?? 0;
  if (bytes[offset] !== 0xff || (b1 & 0xe0) !== 0xe0) return null;
  const version = (b1 >> 3) & 0x03; // 3 = MPEG-1, 2 = MPEG-2, 0 = MPEG-2.5
  const layer = (b1 >> 1) & 0x03; // 1 = Layer III
  const bitrateIndex = b2 >> 4;
  const rateIndex = (b2 >> 2) & 0x03;
  if (version === 1 || layer !== 1 || bitrateIndex === 0 || bitrateIndex === 15) return null;
  if (rateIndex === 3) return null;
  const mpeg1 = version === 3;
  const sampleRate = (SAMPLE_RATES_V1[rateIndex] ?? 0) / (mpeg1 ? 1 : version === 2 ? 2 : 4);
  const kbps = (mpeg1 ? BITRATES_V1 : BITRATES_V2)[bitrateIndex] ?? 0;
  const padding = (b2 >> 1) & 0x01;
  const frameBytes = Math.floor(((mpeg1 ? 144 : 72) * kbps * 1000) / sampleRate) + padding;
  return { bytes: frameBytes, seconds: (mpeg1 ? 1152 : 576) / sampleRate };
}

/**
 * Whether the (whole) frame at `offset` is an encoder's tag frame rather than audio: Xing or
 * Info right after the side information, whose length depends on the version and on mono, or
 * VBRI at a fixed 32 bytes after the header.
 */
function isTagFrame(bytes: Buffer, offset: number): boolean {
  const mpeg1 = (((bytes[offset + 1] ?? 0) >> 3) & 0x03) === 3;
  const mono = (bytes[offset + 3] ?? 0) >> 6 === 3;
  const tagAt = offset + 4 + (mpeg1 ? (mono ? 17 : 32) : mono ? 9 : 17);
  const tag = bytes.toString('latin1', tagAt, tagAt + 4);
  return (
    tag === 'Xing' ||
    tag === 'Info' ||
    bytes.toString('latin1', offset + 36, offset + 40) === 'VBRI'
  );
}

/** Bytes of an ID3v2 tag starting at `offset` (syncsafe size), or 0 when there is none. */
function id3Length(bytes: Buffer, offset: number): number {
  if (offset + 10 > bytes.length || bytes.toString('latin1', offset, offset + 3) !== 'ID3')
    return 0;
  const size = bytes
    .subarray(offset + 6, offset + 10)
    .reduce((sum, b) => (sum << 7) | (b & 0x7f), 0);
  return 10 + size;
}

/** Seconds of MP3 audio in the bytes pushed so far (whole frames only). */
export class Mp3FrameClock {
  private tail: Buffer = Buffer.alloc(0);
  private skip = 0;
  private total = 0;
  /** Whether a frame was met yet: only the first may be a tag frame. */
  private framed = false;

  push(piece: Buffer): void {
    let bytes = this.tail.length > 0 ? Buffer.concat([this.tail, piece]) : piece;
    const skipped = Math.min(this.skip, bytes.length);
    bytes = bytes.subarray(skipped);
    this.skip -= skipped;
    let offset = 0;
    while (offset + 10 <= bytes.length || frameAt(bytes, offset) !== null) {
      const tag = id3Length(bytes, offset);
      if (tag > 0) {
        this.skip = Math.max(0, offset + tag - bytes.length);
        offset = Math.min(offset + tag, bytes.length);
        continue;
      }
      const frame = frameAt(bytes, offset);
      if (frame === null) {
        offset += 1; // resynchronise on the next frame header
        continue;
      }
      if (offset + frame.bytes > bytes.length) break;
      if (this.framed || !isTagFrame(bytes, offset)) this.total += frame.seconds;
      this.framed = true;
      offset += frame.bytes;
    }
    this.tail = Buffer.from(bytes.subarray(offset));
  }

  seconds(): number {
    return this.total;
  }
}
