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

/** JSON with object keys sorted at every depth: the same value always gives the same text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, sortKeys(v)]),
    );
  }
  return value;
}
