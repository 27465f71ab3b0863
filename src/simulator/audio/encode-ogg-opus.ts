import { buildOggPage } from './ogg-pages.ts';

/**
 * Ogg Opus, mono, 48 kHz, whose every packet is the well-known 20 ms CELT silence frame.
 *
 * Why silence: no pure-JS Opus encoder exists (the usable ones are libopus compiled to WASM,
 * a dependency we do not want for a simulator). A stream of valid silence frames still gives
 * clients what they need to exercise: a real Ogg Opus container that every decoder accepts,
 * with the exact duration (granule positions, RFC 7845 end trimming) and deterministic bytes.
 * The seed goes into a comment so different requests still yield different bytes.
 */

// TOC 0xF8: config 31 (CELT-only, fullband, 20 ms), mono, one frame; 0xFF 0xFE decodes as silence.
const SILENCE_PACKET = Uint8Array.from([0xf8, 0xff, 0xfe]);
const SAMPLES_PER_PACKET = 960; // 20 ms at 48 kHz, the granule clock of Ogg Opus
const PRE_SKIP = 312; // what libopus reports for its encoder delay; decoders drop these samples
const PACKETS_PER_PAGE = 50; // one second per page, like common muxers

function opusHead(): Buffer {
  const head = Buffer.alloc(19);
  head.write('OpusHead', 0, 'ascii');
  head.writeUInt8(1, 8); // version
  head.writeUInt8(1, 9); // channels
  head.writeUInt16LE(PRE_SKIP, 10);
  head.writeUInt32LE(48000, 12); // original input rate (informational)
  head.writeInt16LE(0, 16); // output gain
  head.writeUInt8(0, 18); // channel mapping family 0: mono/stereo
  return head;
}

function opusTags(comments: readonly string[]): Buffer {
  const vendor = Buffer.from('audiobatch-simulator', 'utf8');
  const parts: Buffer[] = [Buffer.from('OpusTags', 'ascii'), u32le(vendor.length), vendor];
  parts.push(u32le(comments.length));
  for (const comment of comments) {
    const bytes = Buffer.from(comment, 'utf8');
    parts.push(u32le(bytes.length), bytes);
  }
  return Buffer.concat(parts);
}

function u32le(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32LE(value);
  return out;
}

/** A silent Ogg Opus stream of `durationSeconds`; `seed` (≥ 8 bytes) sets serial and a comment. */
export function encodeSilentOggOpus(durationSeconds: number, seed: Uint8Array): Buffer {
  const serial = Buffer.from(seed.subarray(0, 4)).readUInt32LE(0);
  const tag = `SIMULATOR_SEED=${Buffer.from(seed.subarray(0, 8)).toString('hex')}`;
  const pages = [
    buildOggPage({ packets: [opusHead()], granule: 0n, serial, sequence: 0, firstPage: true }),
    buildOggPage({ packets: [opusTags([tag])], granule: 0n, serial, sequence: 1 }),
  ];
  const outputSamples = Math.round(durationSeconds * 48000);
  const packetCount = Math.max(1, Math.ceil((PRE_SKIP + outputSamples) / SAMPLES_PER_PACKET));
  for (let first = 0; first < packetCount; first += PACKETS_PER_PAGE) {
    const count = Math.min(PACKETS_PER_PAGE, packetCount - first);
    const lastPage = first + count >= packetCount;
    // The last page's granule is shorter than its packets: that is how Ogg Opus trims the end.
    const decoded = (first + count) * SAMPLES_PER_PACKET;
    const granule = BigInt(lastPage ? PRE_SKIP + outputSamples : decoded);
    const packets = new Array<Uint8Array>(count).fill(SILENCE_PACKET);
    pages.push(buildOggPage({ packets, granule, serial, sequence: pages.length, lastPage }));
  }
  return Buffer.concat(pages);
}
