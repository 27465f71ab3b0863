/**
 * Ogg page framing (RFC 3533): enough to wrap Opus packets. Each page carries whole packets
 * only; packets here are all shorter than 255 bytes, so one lacing value each.
 */

const CRC_TABLE = buildCrcTable();

function buildCrcTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let bit = 0; bit < 8; bit++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    table[i] = r >>> 0;
  }
  return table;
}

/** The Ogg CRC-32 (polynomial 0x04C11DB7, no reflection, zero init). */
export function oggCrc32(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes)
    crc = ((crc << 8) ^ (CRC_TABLE[((crc >>> 24) ^ byte) & 0xff] ?? 0)) >>> 0;
  return crc;
}

/** What one page says about itself. */
export interface OggPageSpec {
  packets: readonly Uint8Array[];
  granule: bigint;
  serial: number;
  sequence: number;
  firstPage?: boolean;
  lastPage?: boolean;
}

/** Builds one page with its CRC filled in. */
export function buildOggPage(spec: OggPageSpec): Buffer {
  if (spec.packets.length > 255) throw new RangeError('at most 255 packets per page');
  const lacing = spec.packets.map((packet) => {
    if (packet.length >= 255) throw new RangeError('packets must be shorter than 255 bytes');
    return packet.length;
  });
  const header = Buffer.alloc(27 + lacing.length);
  header.write('OggS', 0, 'ascii');
  header.writeUInt8(0, 4); // stream structure version
  header.writeUInt8((spec.firstPage ? 0x02 : 0) | (spec.lastPage ? 0x04 : 0), 5);
  header.writeBigInt64LE(spec.granule, 6);
  header.writeUInt32LE(spec.serial >>> 0, 14);
  header.writeUInt32LE(spec.sequence, 18);
  header.writeUInt8(lacing.length, 26);
  Buffer.from(lacing).copy(header, 27);
  const page = Buffer.concat([header, ...spec.packets]);
  page.writeUInt32LE(oggCrc32(page), 22); // computed with the CRC field still zero
  return page;
}
