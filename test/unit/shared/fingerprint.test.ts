import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, computeFingerprint } from '../../../src/shared/jobs/fingerprint.ts';
import { jobRequestSchema } from '../../../src/shared/jobs/job-request.ts';

const base = {
  type: 'speech_to_speech',
  params: { voice_id: 'JBFqnCBsd6RMkjVDRZzb' },
  input: { upload_id: 'upl_01jz0000000000000000000000' },
};

describe('computeFingerprint', () => {
  it('is the same for requests that differ only in labels, defaults or key order', () => {
    const a = jobRequestSchema.parse(base);
    const b = jobRequestSchema.parse({
      custom_id: 'x',
      metadata: { k: 1 },
      cache: 'bypass',
      input: base.input,
      params: {
        output_format: 'mp3_44100_128',
        voice_id: 'JBFqnCBsd6RMkjVDRZzb',
        model_id: 'eleven_english_sts_v2',
      },
      type: 'speech_to_speech',
    });
    expect(computeFingerprint(a, 1, 'abc')).toBe(computeFingerprint(b, 1, 'abc'));
  });

  it('changes with the seed, the input, the variant and any parameter', () => {
    const request = jobRequestSchema.parse(base);
    const reference = computeFingerprint(request, 1, 'abc');
    expect(computeFingerprint(request, 2, 'abc')).not.toBe(reference);
    expect(computeFingerprint(request, 1, 'abd')).not.toBe(reference);
    const stream = jobRequestSchema.parse({ ...base, options: { stream: true } });
    expect(computeFingerprint(stream, 1, 'abc')).not.toBe(reference);
    const other = jobRequestSchema.parse({
      ...base,
      params: { ...base.params, output_format: 'pcm_16000' },
    });
    expect(computeFingerprint(other, 1, 'abc')).not.toBe(reference);
    expect(reference).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});

describe('canonicalJson', () => {
  it('covers upstream_extra, and leaves requests without it as they were', () => {
    const plain = jobRequestSchema.parse(base);
    const extra = jobRequestSchema.parse({ ...base, upstream_extra: { body: { knob: 1 } } });
    const other = jobRequestSchema.parse({ ...base, upstream_extra: { body: { knob: 2 } } });
    const query = jobRequestSchema.parse({ ...base, upstream_extra: { query: { knob: '1' } } });
    const prints = [plain, extra, other, query].map((r) => computeFingerprint(r, 1, 'abc'));
    expect(new Set(prints).size).toBe(4);
    // The canonical text of a request without it has no upstream_extra key at all.
    expect(canonicalJson({ a: 1, upstream_extra: plain.upstream_extra })).toBe('{"a":1}');
  });

  it('sorts keys at every depth and drops undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: undefined } })).toBe(
      '{"a":{"d":[{"y":2,"z":1}]},"b":1}',
    );
  });
});

describe('canonicalJson, as the sorted copy it replaced', () => {
  // The text fingerprints were made of before canonicalJson wrote it directly: a cache hit
  // across the upgrade needs the very same text.
  const sortedCopy = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(sortedCopy);
    if (value !== null && typeof value === 'object')
      return Object.fromEntries(
        Object.entries(value)
          .filter(([, v]) => v !== undefined)
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([k, v]) => [k, sortedCopy(v)]),
      );
    return value;
  };

  it.each([
    ['nested objects and arrays', { b: [1, { y: null, x: 'é"\n' }], a: { c: true, b: -0.5 } }],
    ['index-like keys first, in numeric order', { b: 1, 10: 'x', 9: 'y', '01': 2, a: 3 }],
    ['the largest array index and the first key past it', { 4294967294: 1, 4294967295: 2, 2: 3 }],
    ['undefined, functions and NaN', { a: undefined, b: () => 1, c: [undefined, NaN], d: NaN }],
    ['empty values and a Date', { a: {}, b: [], c: new Date(0), d: '' }],
    ['unicode key order', { é: 1, z: 2, Z: 3, '𝄞': 4, _: 5 }],
    ['a bare array', [{ b: 1, a: 2 }, 'x']],
    ['a bare string', 'text'],
  ])('%s', (_, value) => {
    expect(canonicalJson(value)).toBe(JSON.stringify(sortedCopy(value)));
  });

  it('for any JSON value, with objects of few keys and of many', () => {
    const value = fc.jsonValue({ maxDepth: 4 });
    const wide = fc.dictionary(fc.string(), value, { minKeys: 17, maxKeys: 40 });
    fc.assert(
      fc.property(fc.oneof(value, wide), (input) => {
        expect(canonicalJson(input)).toBe(JSON.stringify(sortedCopy(input)));
      }),
      { numRuns: 500 },
    );
  });
});
