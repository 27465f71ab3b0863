import { z } from 'zod';
import { UNKNOWN_ESTIMATE } from '../usage/estimate.ts';
import { finishIntentSchema } from './job-record.ts';
import { jobSourceSchema } from './job-source.ts';
import { JOB_STATUSES, JOB_TYPES } from './job-types.ts';

const text = z.string();
const nullableText = z.string().nullable().default(null);
const nullableInt = z.number().int().nullable().default(null);

/**
 * The stored form as read: every release's records, not only this one's. Unknown fields are
 * kept (a newer release wrote them; they are written back untouched), fields added since the
 * record was written are filled in, and the request is taken as it was accepted then: it was
 * validated by the intake of its day, and today's stricter rules must not make it unreadable
 * (the strict schema is for intake only). Only what a record cannot be without (id, owner,
 * type, status, creation time) is required.
 */
export const storedJobRecordSchema = z.looseObject({
  record_version: z.number().int().default(1),
  id: text,
  owner: text,
  type: z.enum(JOB_TYPES),
  status: z.enum(JOB_STATUSES),
  batch_id: nullableText,
  // Optional: records written before the gateway existed; decode fills it from batch_id.
  source: jobSourceSchema.optional().catch(undefined),
  custom_id: nullableText,
  metadata: z.record(z.string(), z.unknown()).catch({}),
  created_at: text,
  started_at: nullableText,
  finished_at: nullableText,
  attempts: z.number().int().default(0),
  seed: nullableInt,
  fingerprint: nullableText,
  cache: z.enum(['miss', 'hit']).nullable().catch(null),
  request: z.looseObject({
    type: z.enum(JOB_TYPES),
    params: z.record(z.string(), z.unknown()).default({}),
    options: z.record(z.string(), z.unknown()).default({}),
    cache: z.enum(['use', 'bypass']).catch('use'),
  }),
  input: z
    .looseObject({
      key: nullableText,
      url: nullableText,
      sha256: nullableText,
      bytes: nullableInt,
      content_type: nullableText,
    })
    .nullable()
    .default(null),
  outputs: z
    .array(
      z.looseObject({
        name: text,
        key: text,
        content_type: z.string().default('application/octet-stream'),
        bytes: z.number().int(),
        sha256: text,
        duration_ms: nullableInt,
      }),
    )
    .default([]),
  upstream: z
    .looseObject({
      endpoint: z.string().default(''),
      request_id: nullableText,
      character_cost: z.number().nullable().default(null),
      song_id: nullableText,
      history_item_id: nullableText,
      calls: z.number().int().default(0),
    })
    .nullable()
    .default(null),
  // Filled in from the upstream summary for records written before usage (see below).
  usage: z
    .looseObject({
      characters: z.number().int().default(0),
      calls: z.number().int().default(0),
      billed_calls: z.number().int().default(0),
    })
    .optional(),
  estimate: z.looseObject({ characters: nullableInt }).default(UNKNOWN_ESTIMATE),
  error: z
    .looseObject({
      code: text,
      message: z.string().default(''),
      retryable: z.boolean().default(false),
      upstream_status: nullableInt,
      upstream_code: nullableText,
      suggestion: z.unknown().default(null),
    })
    .nullable()
    .default(null),
  result: z
    .unknown()
    .optional()
    .transform((value) => value ?? null),
  cancel_requested: z.boolean().default(false),
  webhook_deliveries: z.array(z.looseObject({})).optional(),
  run_id: nullableText,
  runs: z.number().int().default(0),
  takeovers: z.number().int().default(0),
  finishing: finishIntentSchema.nullable().default(null),
  deployment: nullableText,
  cache_scope: z.string().optional(),
});

export type StoredJobRecord = z.infer<typeof storedJobRecordSchema>;

const JOB_TYPE_SET = new Set<string>(JOB_TYPES);
const JOB_STATUS_SET = new Set<string>(JOB_STATUSES);
const FIELDS = Object.keys(storedJobRecordSchema.shape);

/** Every default the schema fills in, from a record that holds only what it cannot be without. */
const DEFAULTS: Record<string, unknown> = storedJobRecordSchema.parse({
  id: '',
  owner: '',
  type: JOB_TYPES[0],
  status: JOB_STATUSES[0],
  created_at: '',
  request: { type: JOB_TYPES[0] },
});

/**
 * A record as {@link storedJobRecordSchema} reads it. A record of `currentVersion`, the one this
 * release writes, is taken as written with the schema's defaults put where the compact layout
 * left them out: its fields were typed when they were written, and checking them again on
 * every read was 5–8 % of the api's CPU in B7's profile. Any other version, or a record missing
 * what no record can be without, goes through the schema (which refuses the latter). So a
 * release that changes {@link storedJobRecordSchema} (a default, a caught value, a field) must
 * raise JOB_RECORD_VERSION: a test pins the schema to the version.
 */
export function readStoredRecord(
  raw: Record<string, unknown>,
  currentVersion: number,
): StoredJobRecord {
  if (
    raw.record_version !== currentVersion ||
    typeof raw.id !== 'string' ||
    typeof raw.owner !== 'string' ||
    typeof raw.created_at !== 'string' ||
    !JOB_TYPE_SET.has(raw.type as string) ||
    !JOB_STATUS_SET.has(raw.status as string) ||
    typeof raw.request !== 'object' ||
    raw.request === null
  )
    return storedJobRecordSchema.parse(raw);
  // The schema's field order, then fields a newer release wrote (kept, as the schema keeps them).
  const record: Record<string, unknown> = {};
  for (const field of FIELDS) {
    const value = raw[field] === undefined ? freshDefault(field) : raw[field];
    // An optional field stays absent, as the schema leaves it.
    if (value !== undefined) record[field] = value;
  }
  for (const field in raw) if (!(field in record)) record[field] = raw[field];
  return record as StoredJobRecord;
}

/** Object defaults as JSON: parsing one is a third of the cost of structuredClone'ing it. */
const OBJECT_DEFAULTS_JSON = new Map(
  Object.entries(DEFAULTS)
    .filter(([, value]) => typeof value === 'object' && value !== null)
    .map(([field, value]) => [field, JSON.stringify(value)]),
);

/** A default of its own for each record: an object default is never shared between records. */
function freshDefault(field: string): unknown {
  const json = OBJECT_DEFAULTS_JSON.get(field);
  return json === undefined ? DEFAULTS[field] : JSON.parse(json);
}
