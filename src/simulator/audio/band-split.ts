/**
 * Band filters for simulated stem separation: second-order Butterworth sections (the RBJ
 * "Audio EQ Cookbook" biquads). Not a separator, only a cheap, deterministic way to make each
 * stem a different function of the input.
 */

/** A frequency band in Hz; `low` 0 has no high-pass, `high` Infinity no low-pass. */
export interface Band {
  low: number;
  high: number;
}

const BUTTERWORTH_Q = Math.SQRT1_2;

function biquad(samples: Float32Array, coefficients: readonly number[]): Float32Array {
  const [b0 = 0, b1 = 0, b2 = 0, a1 = 0, a2 = 0] = coefficients;
  const out = new Float32Array(samples.length);
  let x1 = 0;
  let x2 = 0;
  let y1 = 0;
  let y2 = 0;
  for (let i = 0; i < samples.length; i++) {
    const x0 = samples[i] ?? 0;
    const y0 = b0 * x0 + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2;
    out[i] = y0;
    x2 = x1;
    x1 = x0;
    y2 = y1;
    y1 = y0;
  }
  return out;
}

/** Normalized [b0, b1, b2, a1, a2] of a low- or high-pass at `cutoff` Hz. */
function passCoefficients(kind: 'low' | 'high', cutoff: number, sampleRate: number): number[] {
  const w0 = (2 * Math.PI * cutoff) / sampleRate;
  const cos = Math.cos(w0);
  const alpha = Math.sin(w0) / (2 * BUTTERWORTH_Q);
  const a0 = 1 + alpha;
  const b1 = kind === 'low' ? 1 - cos : -(1 + cos);
  const b0 = kind === 'low' ? b1 / 2 : -b1 / 2;
  return [b0 / a0, b1 / a0, b0 / a0, (-2 * cos) / a0, (1 - alpha) / a0];
}

/**
 * `samples` (at `sampleRate`) restricted to `band`. Edges at or above Nyquist are dropped: a
 * band that starts there is silence, one that ends there is a plain high-pass.
 */
export function filterBand(samples: Float32Array, sampleRate: number, band: Band): Float32Array {
  const nyquist = sampleRate / 2;
  if (band.low >= nyquist * 0.95) return new Float32Array(samples.length);
  let out = samples;
  if (band.low > 0) out = biquad(out, passCoefficients('high', band.low, sampleRate));
  if (band.high < nyquist * 0.95) out = biquad(out, passCoefficients('low', band.high, sampleRate));
  return out === samples ? Float32Array.from(samples) : out;
}
