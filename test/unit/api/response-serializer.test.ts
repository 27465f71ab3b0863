import fc from 'fast-check';
import type { FastifyRouteSchemaDef } from 'fastify/types/schema.js';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  responseSerializerCompiler,
  toSerializableSchema,
} from '../../../src/api/response-serializer.ts';
import { errorEnvelopeSchema } from '../../../src/api/error-envelope.ts';
import { jobDryRunSchema } from '../../../src/api/services/job-schemas.ts';
import { toJobView } from '../../../src/api/services/job-views.ts';
import {
  jobViewSchema,
  type JobRecord,
  type JobView,
} from '../../../src/shared/jobs/job-record.ts';
import { dialogueJobRecord } from '../../../test/support/job-records.ts';

const compile = responseSerializerCompiler;
const serializerOf = (schema: z.ZodType) => compile({ schema } as FastifyRouteSchemaDef<z.ZodType>);
const serializeJob = serializerOf(jobViewSchema);
/** What the zod encode of fastify-type-provider-zod's serializer wrote. */
const encoded = (schema: z.ZodType, value: unknown): unknown =>
  JSON.parse(JSON.stringify(z.encode(schema, value)));

function finishedRecord(): JobRecord {
  return {
    ...dialogueJobRecord('alice'),
    status: 'failed',
    started_at: '2026-12-07T10:00:00.000Z',
    finished_at: '2026-12-07T10:00:03.000Z',
    attempts: 2,
    cache: 'miss',
    outputs: [
      {
        name: 'audio',
        content_type: 'audio/mpeg',
        bytes: 12_345,
        sha256: 'a'.repeat(64),
        duration_ms: null,
        key: 'jobs/job_x/audio.mp3',
      },
    ],
    upstream: {
      endpoint: 'text_to_dialogue',
      request_id: 'req_1',
      character_cost: 4.5,
      song_id: null,
      history_item_id: null,
      calls: 2,
    },
    error: {
      code: 'upstream_error',
      message: 'quote " and \\ and \u2028 line',
      retryable: false,
      upstream_status: 422,
      upstream_code: null,
      suggestion: { retry_with: ['a', 1, null] },
    },
    result: { plan: [1, 2] },
  };
}

const view = (record: JobRecord): Promise<JobView> =>
  toJobView(record, (_record, output) => Promise.resolve(`/v1/jobs/x/outputs/${output.name}`));

describe('the response serializer', () => {
  it('writes what a zod encode wrote, for a queued and for a finished job', async () => {
    for (const record of [dialogueJobRecord('alice'), finishedRecord()]) {
      const shown = await view(record);
      expect(JSON.parse(serializeJob(shown))).toEqual(encoded(jobViewSchema, shown));
    }
  });

  it('leaves out what a strict schema does not name, and keeps what a loose one passes on', async () => {
    const record = finishedRecord() as JobRecord & Record<string, unknown>;
    record.legacy_field = 'from an older release';
    (record.upstream as Record<string, unknown>).internal = 'not for clients';
    (record.request as Record<string, unknown>).options = { from_release: 1 };
    const written = JSON.parse(serializeJob(await view(record))) as Record<string, unknown>;
    expect(written).not.toHaveProperty('legacy_field');
    expect(written.upstream).not.toHaveProperty('internal');
    expect(written.request).toMatchObject({ options: { from_release: 1 } });
  });

  it('chooses a union branch without refusing fields the branch does not name', async () => {
    const createAnswer = serializerOf(z.union([jobViewSchema, jobDryRunSchema]));
    // Queued: its nullable enum (`cache`) is null, which the branch's validation must take.
    const record = dialogueJobRecord('alice') as JobRecord & Record<string, unknown>;
    record.legacy_field = 'from an older release';
    const written = JSON.parse(createAnswer(await view(record))) as Record<string, unknown>;
    expect(written).toMatchObject({ object: 'job', id: record.id, cache: null });
    expect(written).not.toHaveProperty('legacy_field');
    const dryRun = {
      object: 'job_validation',
      valid: true,
      type: 'music',
      estimate: { characters: 3 },
    };
    expect(JSON.parse(createAnswer(dryRun))).toEqual(dryRun);
  });

  it('serializes nullable fields by their type, without validating each value', () => {
    const json = JSON.stringify(toSerializableSchema(jobViewSchema));
    expect(json).not.toContain('anyOf');
    expect(json).toContain('"cache":{"type":["string","null"],"enum":["miss","hit",null]}');
  });

  it('writes the error envelope every route shares', () => {
    const envelope = {
      error: { code: 'not_found', message: 'No job job_x.', request_id: 'req_1', details: [] },
    };
    expect(JSON.parse(serializerOf(errorEnvelopeSchema)(envelope))).toEqual(
      encoded(errorEnvelopeSchema, envelope),
    );
  });

  it('writes any metadata and text as JSON.parse reads them back', async () => {
    await fc.assert(
      fc.asyncProperty(
        // Without `__proto__`: zod's record parse drops that key at intake, so no stored
        // metadata holds it (and the zod encode compared with would drop it too).
        fc.dictionary(
          fc.string().filter((key) => key !== '__proto__'),
          fc.jsonValue(),
        ),
        fc.string({ unit: 'binary' }),
        async (metadata, customId) => {
          const shown = await view({
            ...dialogueJobRecord('alice'),
            metadata,
            custom_id: customId,
          });
          expect(JSON.parse(serializeJob(shown))).toEqual(encoded(jobViewSchema, shown));
        },
      ),
    );
  });
});
