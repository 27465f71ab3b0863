import { createHash } from 'node:crypto';
import type { JobRequest } from './job-request.ts';

/**
 * The fingerprint names what the upstream is asked for, so two jobs with the same fingerprint
 * may share one result: type, variant, every upstream parameter (defaults filled in, the seed
 * included) and the input audio's sha256. Labels (custom_id, metadata) and cache mode are not
 * part of it. Upstream fields passed through unvalidated (`upstream_extra`) are.
 */
export function computeFingerprint(
  request: JobRequest,
  seed: number | null,
  inputSha256: string | null,
): string {
  const canonical = canonicalJson({
    type: request.type,
    options: request.options,
    params: { ...request.params, seed },
    input_sha256: inputSha256,
    // Absent for every request but a gateway call with fields we do not know: fingerprints of
    // requests without it are what they were before it existed.
    upstream_extra: request.upstream_extra,
  });
  return `sha256:${createHash('sha256').update(canonical).digest('hex')}`;
}

/**
 * JSON with object keys sorted at every depth: the same value always gives the same text.
 * Written straight into one string (a batch fingerprints 10,000 requests in its request, and
 * sorted copies of each were most of that work and its garbage); the text is exactly what
 * `JSON.stringify` gives of a copy whose keys are sorted ({@link sortedKeys} says what that
 * means), so fingerprints stay those of earlier releases.
 */
export function canonicalJson(value: unknown): string {
  return canonical(value) as string;
}

/** As `JSON.stringify` of the sorted copy: undefined for what it leaves out of an object. */
function canonical(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) {
    let text = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) text += ',';
      // JSON.stringify writes what it cannot show (undefined, functions) in an array as null.
      text += canonical(value[i]) ?? 'null';
    }
    return `${text}]`;
  }
  const object = value as Record<string, unknown>;
  let text = '{';
  for (const key of sortedKeys(object)) {
    const json = canonical(object[key]);
    if (json === undefined) continue;
    if (text.length > 1) text += ',';
    text += `${JSON.stringify(key)}:${json}`;
  }
  return `${text}}`;
}

/** Above this many keys, an object's keys are sorted by Array#sort rather than in place. */
const INSERTION_SORT_MAX = 16;

/**
 * Own enumerable keys in the order the sorted copy had them: sorted by UTF-16 code units,
 * except that an object lists array-index keys ("0", "12") first, in numeric order,
 * whatever order they were added in. A request's objects have a few keys each, sorted here in
 * place: Array#sort allocates a work copy per call, which was a fifth of a 10,000-item batch
 * intake's garbage.
 */
function sortedKeys(object: object): string[] {
  const keys = Object.keys(object);
  if (keys.length > INSERTION_SORT_MAX) keys.sort();
  else {
    for (let i = 1; i < keys.length; i++) {
      const key = keys[i] as string;
      let j = i - 1;
      for (; j >= 0 && (keys[j] as string) > key; j--) keys[j + 1] = keys[j] as string;
      keys[j + 1] = key;
    }
  }
  if (!keys.some(isArrayIndex)) return keys;
  const indices = keys.filter(isArrayIndex).sort((a, b) => Number(a) - Number(b));
  return [...indices, ...keys.filter((key) => !isArrayIndex(key))];
}

const ARRAY_INDEX = /^(?:0|[1-9]\d*)$/;

function isArrayIndex(key: string): boolean {
  const first = key.charCodeAt(0);
  if (first < 48 || first > 57) return false;
  return ARRAY_INDEX.test(key) && Number(key) < 2 ** 32 - 1;
}
