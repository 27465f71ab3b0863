import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { jobRequestSchema } from '../../../src/shared/jobs/job-request.ts';
import { JOB_RECORD_VERSION, type JobRecord } from '../../../src/shared/jobs/job-record.ts';
import { newJobRecord } from '../../../src/shared/jobs/new-job-record.ts';
import {
  readStoredRecord,
  storedJobRecordSchema,
} from '../../../src/shared/jobs/stored-job-record.ts';

const fresh: JobRecord = newJobRecord({
  owner: 'tenant-a',
  cacheScope: 'group.studio',
  request: jobRequestSchema.parse({
    type: 'text_to_dialogue',
    params: { inputs: [{ text: 'Knock knock.', voice_id: 'JBFqnCBsd6RMkjVDRZzb' }] },
    metadata: { scene: 4 },
  }),
  seed: 42,
  input: null,
  batchId: 'bat_01',
  createdAt: '2026-12-07T01:00:00.000Z',
  deployment: 'dep_0123456789abcdef',
  estimate: 12,
});

const output = {
  name: 'audio',
  key: 'jobs/j/runs/r/audio.mp3',
  content_type: 'audio/mpeg',
  bytes: 2048,
  sha256: 'ab'.repeat(32),
  duration_ms: 1200,
};

/** Records in the states a job goes through, with what a newer release might add. */
const variants: Record<string, unknown>[] = [
  fresh,
  {
    ...fresh,
    status: 'running',
    run_id: 'run_1',
    runs: 2,
    takeovers: 1,
    attempts: 2,
    started_at: '2026-12-07T01:00:01.000Z',
    finishing: {
      id: 'fin_1',
      status: 'succeeded',
      finished_at: '2026-12-07T01:00:02.000Z',
      run_id: 'run_1',
      patch: { outputs: [output] },
    },
  },
  {
    ...fresh,
    status: 'succeeded',
    cache: 'hit',
    outputs: [output],
    upstream: {
      endpoint: '/v1/text-to-dialogue',
      request_id: null,
      character_cost: 12,
      song_id: null,
      history_item_id: 'h_1',
      calls: 1,
    },
    usage: { characters: 12, calls: 1, billed_calls: 1 },
    result: { plan: [1, 2] },
    webhook_deliveries: [{ attempt: 1 }],
  },
  {
    ...fresh,
    status: 'failed',
    cancel_requested: true,
    error: {
      code: 'upstream_error',
      message: 'no',
      retryable: false,
      upstream_status: 500,
      upstream_code: null,
      suggestion: null,
    },
    written_by_a_newer_release: { kept: true },
  },
];

/** What the compact layout may leave out of a record: everything but what it cannot be without. */
const OMITTABLE = Object.keys(storedJobRecordSchema.shape).filter(
  (field) => !['id', 'owner', 'type', 'status', 'created_at', 'request'].includes(field),
);

describe('reading a stored record of the current version', () => {
  it('reads what the schema reads, whichever defaults the layout left out', () => {
    fc.assert(
      fc.property(fc.constantFrom(...variants), fc.subarray(OMITTABLE), (variant, omitted) => {
        const raw: Record<string, unknown> = structuredClone({
          ...variant,
          record_version: JOB_RECORD_VERSION,
        });
        for (const field of omitted) delete raw[field];
        const bySchema = storedJobRecordSchema.parse(structuredClone(raw));
        const read = readStoredRecord(structuredClone(raw), JOB_RECORD_VERSION);
        // Key order aside (the request keeps its stored order), the same record.
        expect(read).toStrictEqual(bySchema);
      }),
      { numRuns: 300 },
    );
  });

  it('is pinned to its version: a change to the stored schema comes with a new version', () => {
    // The fast path trusts a current-version record to hold whatever this schema would add
    // (nested defaults, caught values): that stays true only while a release that changes
    // them also raises JOB_RECORD_VERSION. When this fails, raise it, then update the pin.
    const schema = z.toJSONSchema(storedJobRecordSchema, { unrepresentable: 'any' });
    const shape = createHash('sha256').update(JSON.stringify(schema)).digest('hex').slice(0, 16);
    expect({ version: JOB_RECORD_VERSION, shape }).toEqual({
      version: 7,
      shape: '47525d28f179e443',
    });
  });

  it('gives each record defaults of its own', () => {
    const raw = { ...fresh, record_version: JOB_RECORD_VERSION };
    const { metadata: _m, outputs: _o, estimate: _e, ...compact } = raw;
    const first = readStoredRecord({ ...compact }, JOB_RECORD_VERSION);
    const second = readStoredRecord({ ...compact }, JOB_RECORD_VERSION);
    first.outputs.push(output);
    first.metadata.changed = true;
    expect(second.outputs).toEqual([]);
    expect(second.metadata).toEqual({});
    expect(second.estimate).not.toBe(first.estimate);
  });

  it('refuses, as the schema does, a record without what no record can be without', () => {
    const { owner: _owner, ...ownerless } = { ...fresh, record_version: JOB_RECORD_VERSION };
    expect(() => readStoredRecord(ownerless, JOB_RECORD_VERSION)).toThrow(/owner/);
    const unknownType = { ...fresh, record_version: JOB_RECORD_VERSION, type: 'telepathy' };
    expect(() => readStoredRecord(unknownType, JOB_RECORD_VERSION)).toThrow(/type/);
  });
});
