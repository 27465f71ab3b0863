import { parseBuffer } from 'music-metadata';
import { describe, expect, it } from 'vitest';
import { encodeSilentOggOpus } from '../../../src/simulator/audio/encode-ogg-opus.ts';
import { oggCrc32 } from '../../../src/simulator/audio/ogg-pages.ts';

interface Page {
  flags: number;
  granule: bigint;
  sequence: number;
  crcOk: boolean;
  packets: Buffer[];
}

/** Splits an Ogg stream into pages, checking each page's CRC independently of the writer. */
function readPages(bytes: Buffer): Page[] {
  const pages: Page[] = [];
  for (let offset = 0; offset < bytes.length;) {
    expect(bytes.toString('ascii', offset, offset + 4)).toBe('OggS');
    const segments = bytes.readUInt8(offset + 26);
    const lacing = [...bytes.subarray(offset + 27, offset + 27 + segments)];
    const size = 27 + segments + lacing.reduce((sum, n) => sum + n, 0);
    const page = Buffer.from(bytes.subarray(offset, offset + size));
    const crc = page.readUInt32LE(22);
    page.writeUInt32LE(0, 22);
    let cursor = 27 + segments;
    const packets = lacing.map((length) => page.subarray(cursor, (cursor += length)));
    pages.push({
      flags: page[5] ?? 0,
      granule: page.readBigInt64LE(6),
      sequence: page.readUInt32LE(18),
      crcOk: oggCrc32(page) === crc,
      packets,
    });
    offset += size;
  }
  return pages;
}

describe('oggCrc32', () => {
  it('is the Ogg CRC (0x04C11DB7, unreflected): known check value of "123456789"', () => {
    expect(oggCrc32(Buffer.from('123456789'))).toBe(0x89a1897f);
  });
});

describe('encodeSilentOggOpus', () => {
  it.each([0.05, 1, 2, 7.3])(
    '%f s: valid pages and the exact duration for music-metadata',
    async (seconds) => {
      const ogg = encodeSilentOggOpus(seconds, new Uint8Array(32).fill(3));
      const pages = readPages(ogg);
      expect(pages.every((page) => page.crcOk)).toBe(true);
      expect(pages.map((page) => page.sequence)).toEqual(pages.map((_, index) => index));
      expect(pages[0]?.flags).toBe(0x02);
      expect(pages.at(-1)?.flags).toBe(0x04);
      expect(pages[0]?.packets[0]?.toString('ascii', 0, 8)).toBe('OpusHead');
      expect(pages[1]?.packets[0]?.toString('ascii', 0, 8)).toBe('OpusTags');
      expect(pages.at(-1)?.granule).toBe(BigInt(312 + Math.round(seconds * 48000)));
      const { format } = await parseBuffer(ogg);
      expect(format.codec).toBe('Opus');
      expect(format.sampleRate).toBe(48000);
      expect(format.duration).toBeCloseTo(seconds, 6);
    },
  );

  it('carries enough 20 ms packets to cover pre-skip and duration', () => {
    const audioPackets = readPages(encodeSilentOggOpus(1, new Uint8Array(32)))
      .slice(2)
      .flatMap((page) => page.packets);
    expect(audioPackets).toHaveLength(Math.ceil((312 + 48000) / 960));
    expect(audioPackets.every((packet) => packet.equals(Buffer.from([0xf8, 0xff, 0xfe])))).toBe(
      true,
    );
  });

  it('differs between seeds and repeats for one seed', () => {
    const a = encodeSilentOggOpus(1, new Uint8Array(32).fill(1));
    expect(encodeSilentOggOpus(1, new Uint8Array(32).fill(1)).equals(a)).toBe(true);
    expect(encodeSilentOggOpus(1, new Uint8Array(32).fill(2)).equals(a)).toBe(false);
  });
});
