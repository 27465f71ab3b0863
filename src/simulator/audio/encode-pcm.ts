/**
 * Raw signed 16-bit little-endian mono, no header: the upstream's `pcm_*` formats. Written
 * through a DataView so the byte order holds on any host.
 */
export function encodePcm16le(samples: Int16Array): Buffer {
  const out = Buffer.alloc(samples.length * 2);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (let i = 0; i < samples.length; i++) view.setInt16(i * 2, samples[i] ?? 0, true);
  return out;
}
