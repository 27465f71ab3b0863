/**
 * A 16-bit mono 16 kHz WAV of exactly `bytes` bytes (at least 46), its samples all `fill`:
 * uploads must be audio now (they are sniffed), and tests still want sizes and distinct bytes.
 */
export function testAudio(bytes: number, fill = 0): Buffer {
  const size = Math.max(46, bytes);
  const wav = Buffer.alloc(size, fill);
  wav.write('RIFF', 0);
  wav.writeUInt32LE(size - 8, 4);
  wav.write('WAVEfmt ', 8);
  wav.writeUInt32LE(16, 16);
  wav.writeUInt16LE(1, 20);
  wav.writeUInt16LE(1, 22);
  wav.writeUInt32LE(16_000, 24);
  wav.writeUInt32LE(32_000, 28);
  wav.writeUInt16LE(2, 32);
  wav.writeUInt16LE(16, 34);
  wav.write('data', 36);
  wav.writeUInt32LE(size - 44, 40);
  return wav;
}
