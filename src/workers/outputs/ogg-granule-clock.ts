/**
 * Playing time of an Ogg Opus byte stream fed in arbitrary pieces: the granule position of
 * the last complete page, less the pre-skip from `OpusHead`, at Opus's 48 kHz clock (RFC 7845).
 */

const OPUS_RATE = 48_000;
const NO_GRANULE = 0xffffffffffffffffn; // a page on which no packet ends

/** Length of the Ogg page at `offset`, or null while its header or body is incomplete. */
function pageLength(bytes: Buffer, offset: number): number | null {
  if (offset + 27 > bytes.length) return null;
  const segments = bytes[offset + 26] ?? 0;
  if (offset + 27 + segments > bytes.length) return null;
  let body = 0;
  for (let i = 0; i < segments; i++) body += bytes[offset + 27 + i] ?? 0;
  const length = 27 + segments + body;
  return offset + length > bytes.length ? null : length;
}

/** Seconds of Opus audio in the complete pages pushed so far. */
export class OggGranuleClock {
  private tail: Buffer = Buffer.alloc(0);
  private preSkip = 0;
  private granule = 0n;

  push(piece: Buffer): void {
    const bytes = this.tail.length > 0 ? Buffer.concat([this.tail, piece]) : piece;
    let offset = 0;
    while (offset + 4 <= bytes.length) {
      if (bytes.toString('latin1', offset, offset + 4) !== 'OggS') {
        offset += 1; // resynchronise on the next capture pattern
        continue;
      }
      const length = pageLength(bytes, offset);
      if (length === null) break;
      this.readPage(bytes.subarray(offset, offset + length));
      offset += length;
    }
    this.tail = Buffer.from(bytes.subarray(offset));
  }

  private readPage(page: Buffer): void {
    const body = page.subarray(27 + (page[26] ?? 0));
    if (body.toString('latin1', 0, 8) === 'OpusHead' && body.length >= 12) {
      this.preSkip = body.readUInt16LE(10);
    }
    const granule = page.readBigUInt64LE(6);
    if (granule !== NO_GRANULE && granule > this.granule) this.granule = granule;
  }

  seconds(): number {
    return Math.max(0, Number(this.granule) - this.preSkip) / OPUS_RATE;
  }
}
