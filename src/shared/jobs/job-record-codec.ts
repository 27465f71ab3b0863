import { NO_USAGE } from '../usage/usage.ts';
import { JOB_RECORD_VERSION, type JobRecord } from './job-record.ts';
import type { JobType } from './job-types.ts';
import { readStoredRecord } from './stored-job-record.ts';
import { withDefaults, withoutDefaults } from './stored-request-defaults.ts';

/**
 * How a job record sits in its Redis hash. One place for it, because single jobs and
 * 10,000-item batches write the same layout, and the Lua scripts read some fields directly.
 *
 * Every field is JSON-encoded (the scripts compare `status` with `"queued"`, `finishing` with
 * `null`), and since version 5 the layout is made for Redis's compact hash encoding: a hash is
 * kept as a listpack (a few bytes per field) only while every value is at most
 * `hash-max-listpack-value` bytes (64 by default), and as a hash table (~60 B more per field)
 * as soon as one is longer. So a fresh record
 * - leaves out its id (the key ends with it) and every field still at its default (null, 0, false, empty; its source and cache
 *   scope when they are what the record implies): the decoder fills them in, and every script
 *   reads a missing field as its default;
 * - stores the fingerprint as base64url (`fp`, 43 B) instead of `"sha256:<64 hex>"`;
 * - stores the request without what the record holds already (type, custom_id, metadata, the
 *   default cache mode), cut into parts of at most 64 bytes.
 * Version 6 takes a typical record one allocation size smaller (a listpack of ≤ 640 B instead
 * of ≤ 768 B: jemalloc's classes are 128 B apart there), the bulk of B6's Redis bytes per job:
 * - shorter names for the fields written once at intake ({@link
 *   SHORT_NAMES}; a patch that writes one under its own name later wins), `v` for the version,
 *   and request parts `r0`, `r1`, … (not `request.0`) of at most 63 bytes (a listpack entry
 *   of up to 63 bytes has a one-byte header, from 64 on two);
 * - `created_at` as epoch ms (which Redis stores as an integer), an estimate of known
 *   characters as that number;
 * - the request's `params.seed` left out when it is the record's `seed` (the intake always
 *   writes it there: seed-policy.ts).
 * Version 7 leaves out of the stored request its params and options at the defaults the
 * intake filled in (pinned per type in stored-request-defaults.ts), and `options` when nothing
 * else is left in it: a typical request is then ~140 B shorter, the listpack ≤ 512 B.
 * Records of versions 1–4 (every field present, the request whole), 5 and 6 are read as before.
 */

/** The most bytes (UTF-8) of one request part: at most the default `hash-max-listpack-value`. */
export const REQUEST_PART_BYTES = 63;
/** Version 6's request parts: `r0`, `r1`, …; version 5's were `request.0`, … */
const REQUEST_PART = /^r(?:equest\.)?(\d+)$/;
const VERSION = 'v';
const LEGACY_VERSION = 'record_version';
/**
 * Version 6's names of fields written once, by the intake, and read by no Lua script but the
 * claim, which reads `dep` or else `deployment` (the scripts read `status`, `owner`,
 * `batch_id`, `finishing`, `run_id`, `runs`, …: those keep their names).
 */
const SHORT_NAMES = {
  created_at: 'at',
  custom_id: 'cid',
  deployment: 'dep',
  estimate: 'est',
} as const;
const LONG_NAMES: Record<string, string> = Object.fromEntries(
  Object.entries(SHORT_NAMES).map(([long, short]) => [short, long]),
);
const FINGERPRINT = 'fp';
const BATCH_COUNTED = 'batch_counted';
const SHA256_PREFIX = 'sha256:';

/** A fresh record's HSET fields, in the compact layout above. */
export function encodeRecord(record: JobRecord): Record<string, string> {
  const { request, fingerprint, record_version: _version, created_at, estimate, ...rest } = record;
  // Field by field, defaults skipped as they come (a batch encodes 10,000 records in its
  // request): the same fields, in the same order, as encoding all and deleting defaults.
  const encoded: Record<string, string> = {};
  const short: Partial<Record<keyof typeof SHORT_NAMES, string>> = {};
  for (const key in rest) {
    const value = rest[key as keyof typeof rest];
    // The id is the key's own suffix: the reader passes it in (job-store.ts).
    if (value === undefined || key === 'id') continue;
    if (key === 'source' && value === (record.batch_id === null ? 'api' : 'batch')) continue;
    if (key === 'cache_scope' && value === `tenant.${record.owner}`) continue;
    const json = encodeValue(value);
    if (DEFAULT_VALUES[key] === json) continue;
    if (key in SHORT_NAMES) short[key as keyof typeof SHORT_NAMES] = json;
    else encoded[key] = json;
  }
  if (fingerprint !== null) Object.assign(encoded, encodeFields({ fingerprint }));
  encoded[VERSION] = String(JOB_RECORD_VERSION);
  short.created_at = encodeCreatedAt(created_at);
  const characters = compactEstimate(estimate);
  if (characters !== undefined) short.estimate = characters;
  for (const [long, name] of Object.entries(SHORT_NAMES)) {
    const json = short[long as keyof typeof SHORT_NAMES];
    if (json !== undefined) encoded[name] = json;
  }
  const { type, custom_id, metadata, cache, params, options, ...stored } = request;
  const { seed, ...paramsWithoutSeed } = params as Record<string, unknown>;
  const compact = withoutDefaults(
    type,
    // The seed is the record's own (seed-policy.ts withSeed); one differing is kept.
    seed !== undefined && seed === record.seed ? paramsWithoutSeed : params,
    options,
  );
  const parts = splitUtf8(
    JSON.stringify({
      ...compact,
      ...stored,
      ...(custom_id !== undefined && custom_id !== record.custom_id && { custom_id }),
      // Left out only when the record's own metadata says it (an empty one is kept as given).
      ...(metadata !== undefined &&
        (isEmptyObject(metadata) ||
          (metadata !== record.metadata && !sameJson(metadata, record.metadata))) && {
          metadata,
        }),
      ...(cache !== 'use' && { cache }),
    }),
    REQUEST_PART_BYTES,
  );
  parts.forEach((part, i) => (encoded[`r${i}`] = part));
  return encoded;
}

/** Epoch ms when that says the same instant in the same text; the JSON string otherwise. */
function encodeCreatedAt(createdAt: string): string {
  // A batch's records share one created_at: it is worked out once for all of them.
  if (createdAt === lastCreatedAt.text) return lastCreatedAt.encoded;
  const ms = Date.parse(createdAt);
  const encoded =
    Number.isFinite(ms) && new Date(ms).toISOString() === createdAt
      ? String(ms)
      : JSON.stringify(createdAt);
  lastCreatedAt = { text: createdAt, encoded };
  return encoded;
}

let lastCreatedAt = { text: '', encoded: '""' };

/** `{"characters": n}` as `n`; undefined when it is the default (unknown) one. */
function compactEstimate(estimate: JobRecord['estimate']): string | undefined {
  const json = encodeValue(estimate);
  if (json === DEFAULT_ESTIMATE) return undefined;
  const keys = Object.keys(estimate);
  return keys.length === 1 && Number.isInteger(estimate.characters)
    ? String(estimate.characters)
    : json;
}

/**
 * HSET fields for a patch (or a whole record in the layout of version 4, which tests use to
 * write older records); undefined attributes are left out. A patch never holds the request.
 */
export function encodeFields(fields: object): Record<string, string> {
  const encoded: Record<string, string> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (key === 'fingerprint' && typeof value === 'string') {
      const compact = compactFingerprint(value);
      if (compact !== null) {
        encoded[FINGERPRINT] = compact;
        continue;
      }
    }
    encoded[key] = encodeValue(value);
  }
  return encoded;
}

/**
 * A job record from its hash fields, whichever release wrote it (see above). `id`: the job's,
 * from its key (versions 5 and later do not repeat it in a field).
 */
export function decodeJobRecord(fields: Record<string, string>, id?: string): JobRecord {
  const raw: Record<string, unknown> = { id };
  const parts: string[] = [];
  for (const key in fields) {
    const value = fields[key]!;
    const part = REQUEST_PART.exec(key);
    const long = LONG_NAMES[key];
    if (part) parts[Number(part[1])] = value;
    else if (key === VERSION) raw[LEGACY_VERSION] = JSON.parse(value) as unknown;
    // The batch counts' own field (batch-counts.ts), not the job's.
    else if (key === BATCH_COUNTED) continue;
    else if (long !== undefined) {
      // Under its own name the field was written later (a patch): that one is the current.
      if (!(long in raw)) raw[long] = JSON.parse(value) as unknown;
    } else if (key !== FINGERPRINT) raw[key] = JSON.parse(value) as unknown;
  }
  if (fields[FINGERPRINT] !== undefined) raw.fingerprint = expandFingerprint(fields[FINGERPRINT]);
  // Version 6's epoch ms and bare estimate (older versions never wrote either as a number).
  if (typeof raw.created_at === 'number') raw.created_at = new Date(raw.created_at).toISOString();
  if (typeof raw.estimate === 'number') raw.estimate = { characters: raw.estimate };
  if (parts.length > 0) raw.request = requestFromParts(parts.join(''), raw);
  // The request and nested values keep the shapes their release gave them; the types this
  // release declares for them are what it reads, and what it does not know it passes on.
  // A new object (readStoredRecord copies), so it is completed in place.
  const record = readStoredRecord(raw, JOB_RECORD_VERSION);
  const compact = record.record_version >= 5;
  record.source ??= record.batch_id === null ? 'api' : 'batch';
  // Version 5 leaves usage out until the first call, and the owner's own cache scope out;
  // before, usage was always there, and a record without a scope predates scopes.
  record.usage ??= compact ? { ...NO_USAGE } : usageBeforeLedger(record.upstream);
  if (compact) record.cache_scope ??= `tenant.${record.owner}`;
  return record as JobRecord;
}

/** The stored request with what a version-5 or -6 record left out of it put back. */
function requestFromParts(json: string, record: Record<string, unknown>): unknown {
  const stored = JSON.parse(json) as Record<string, unknown>;
  const customId = record.custom_id ?? null;
  const metadata = record.metadata ?? {};
  const seed = record.seed ?? null;
  // Version 7 leaves out what the intake filled in as defaults (older versions never do).
  const version = typeof record.record_version === 'number' ? record.record_version : 1;
  if (version >= 7) {
    Object.assign(
      stored,
      withDefaults(
        record.type as JobType,
        stored.params as Record<string, unknown> | undefined,
        stored.options as Record<string, unknown> | undefined,
      ),
    );
  }
  const params = stored.params as Record<string, unknown> | undefined;
  return {
    type: record.type,
    ...stored,
    // Version 6 leaves the seed out of params when it is the record's (version 5 never does).
    ...(seed !== null &&
      params !== undefined &&
      params.seed === undefined && {
        params: { ...params, seed },
      }),
    ...(stored.custom_id === undefined && customId !== null && { custom_id: customId }),
    // A copy: the record's own metadata and the request's are not one object to change.
    ...(stored.metadata === undefined && !isEmptyObject(metadata) && { metadata: { ...metadata } }),
    cache: stored.cache ?? 'use',
  };
}

/**
 * What a version-5 record leaves out, as encodeValue writes it: the decoder's defaults
 * (stored-job-record.ts). Fields the scripts read (`finishing`, `run_id`, `runs`, …) treat a
 * missing field the same way.
 */
const DEFAULT_VALUES: Record<string, string> = {
  batch_id: 'null',
  custom_id: 'null',
  metadata: '{}',
  started_at: 'null',
  finished_at: 'null',
  attempts: '0',
  seed: 'null',
  cache: 'null',
  input: 'null',
  outputs: '[]',
  upstream: 'null',
  usage: JSON.stringify(NO_USAGE),
  error: 'null',
  result: 'null',
  cancel_requested: 'false',
  run_id: 'null',
  runs: '0',
  takeovers: '0',
  finishing: 'null',
  deployment: 'null',
};

const DEFAULT_ESTIMATE = '{"characters":null}';

/** `sha256:<64 hex>` as 43 base64url characters; null for anything else (kept as it is). */
function compactFingerprint(fingerprint: string): string | null {
  const hex = fingerprint.slice(SHA256_PREFIX.length);
  if (!fingerprint.startsWith(SHA256_PREFIX) || !/^[0-9a-f]{64}$/.test(hex)) return null;
  return Buffer.from(hex, 'hex').toString('base64url');
}

function expandFingerprint(compact: string): string {
  return `${SHA256_PREFIX}${Buffer.from(compact, 'base64url').toString('hex')}`;
}

/** `text` cut into parts of at most `maxBytes` UTF-8 bytes, never inside a character. */
export function splitUtf8(text: string, maxBytes: number): string[] {
  const parts: string[] = [];
  let start = 0;
  let bytes = 0;
  for (let i = 0; i < text.length;) {
    const code = text.codePointAt(i)!;
    const units = code > 0xffff ? 2 : 1;
    const size = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    if (bytes + size > maxBytes) {
      parts.push(text.slice(start, i));
      start = i;
      bytes = 0;
    }
    bytes += size;
    i += units;
  }
  parts.push(text.slice(start));
  return parts;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

// JSON.stringify's output, cheaper for what fresh records are mostly made of: null, 0, false,
// empty values, and objects shared by many records (a batch's frozen input of one upload).
// A batch of 10,000 records × 20 fields is 200,000 calls, and as much garbage, otherwise.
const sharedJson = new WeakMap<object, string>();

function encodeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value) && value.length === 0) return '[]';
  if (isEmptyObject(value)) return '{}';
  let json = sharedJson.get(value);
  if (json === undefined) {
    json = JSON.stringify(value);
    // Frozen: shared between records and never changed, so its JSON can be reused.
    if (Object.isFrozen(value)) sharedJson.set(value, json);
  }
  return json;
}

function isEmptyObject(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  for (const _ in value) return false;
  return Object.getPrototypeOf(value) === Object.prototype;
}

/**
 * What a record from before the usage ledger knew of its usage: its calls, and the cost of
 * the call it kept (earlier calls' costs were not recorded then).
 */
function usageBeforeLedger(upstream: { character_cost: number | null; calls: number } | null) {
  const cost = upstream?.character_cost ?? null;
  return {
    characters: cost ?? 0,
    calls: upstream?.calls ?? 0,
    billed_calls: cost === null ? 0 : 1,
  };
}
