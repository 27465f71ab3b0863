/**
 * `samples` stretched to exactly `length` samples by linear interpolation, as 16-bit integers
 * (clamped). Enough for simulated audio whose rate differs from the input's; not hi-fi.
 */
export function resampleToInt16(samples: Float32Array, length: number): Int16Array {
  const out = new Int16Array(length);
  if (samples.length === 0) return out;
  const step = length > 1 ? (samples.length - 1) / (length - 1) : 0;
  for (let i = 0; i < length; i++) {
    const position = i * step;
    const index = Math.floor(position);
    const fraction = position - index;
    const a = samples[index] ?? 0;
    const b = samples[Math.min(index + 1, samples.length - 1)] ?? a;
    const value = Math.round((a + (b - a) * fraction) * 32768);
    out[i] = Math.max(-32768, Math.min(32767, value));
  }
  return out;
}
