/**
 * Just enough MPEG audio Layer III header parsing to walk frames: used to cut an encoder's
 * output to an exact frame count, and by tests to check what we send.
 */

/** One frame header's facts. */
export interface Mp3FrameHeader {
  /** Frame length in bytes, header included. */
  bytes: number;
  sampleRate: number;
  bitrateKbps: number;
  /** 1152 for MPEG-1, 576 for MPEG-2 and 2.5. */
  samplesPerFrame: number;
}

const BITRATES_V1 = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
const BITRATES_V2 = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
const SAMPLE_RATES_V1 = [44100, 48000, 32000];

/** Parses the Layer III frame header at `offset`, or returns null if there is none. */
export function readMp3FrameHeader(bytes: Uint8Array, offset: number): Mp3FrameHeader | null {
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
  const divisor = mpeg1 ? 1 : version === 2 ? 2 : 4;
  const sampleRate = (SAMPLE_RATES_V1[rateIndex] ?? 0) / divisor;
  const bitrateKbps = (mpeg1 ? BITRATES_V1 : BITRATES_V2)[bitrateIndex] ?? 0;
  const padding = (b2 >> 1) & 0x01;
  const coefficient = mpeg1 ? 144 : 72;
  const frameBytes = Math.floor((coefficient * bitrateKbps * 1000) / sampleRate) + padding;
  return { bytes: frameBytes, sampleRate, bitrateKbps, samplesPerFrame: mpeg1 ? 1152 : 576 };
}

/** Walks consecutive frames from the start; stops at the first byte that is not a frame. */
export function listMp3Frames(bytes: Uint8Array): Mp3FrameHeader[] {
  const frames: Mp3FrameHeader[] = [];
  let offset = 0;
  for (;;) {
    const header = readMp3FrameHeader(bytes, offset);
    if (!header || offset + header.bytes > bytes.length) return frames;
    frames.push(header);
    offset += header.bytes;
  }
}

/**
 * Keeps the first `maxFrames` frames. Safe for decoding: the bit reservoir only lets a frame
 * borrow bytes from earlier frames, never later ones.
 */
export function keepMp3Frames(bytes: Uint8Array, maxFrames: number): Uint8Array {
  let offset = 0;
  for (let kept = 0; kept < maxFrames; kept++) {
    const header = readMp3FrameHeader(bytes, offset);
    if (!header) break;
    offset += header.bytes;
  }
  return bytes.subarray(0, Math.min(offset, bytes.length));
}
