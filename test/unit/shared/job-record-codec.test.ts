import { describe, expect, it } from 'vitest';
import {
  REQUEST_PART_BYTES,
  decodeJobRecord,
  encodeFields,
  encodeRecord,
  splitUtf8,
} from '../../../src/shared/jobs/job-record-codec.ts';
import { jobRequestSchema } from '../../../src/shared/jobs/job-request.ts';
import { JOB_RECORD_VERSION, type JobRecord } from '../../../src/shared/jobs/job-record.ts';
import { newJobRecord, type NewJob } from '../../../src/shared/jobs/new-job-record.ts';

/** Redis keeps a hash compact (a listpack) only under both of these (its defaults). */
const LISTPACK_VALUE_BYTES = 64;
const LISTPACK_ENTRIES = 128;

function freshRecord(request: object, job: Partial<NewJob> = {}): JobRecord {
  return newJobRecord({
    owner: 'tenant-a',
    cacheScope: 'tenant.tenant-a',
    request: jobRequestSchema.parse(request),
    seed: 42,
    input: null,
    batchId: null,
    createdAt: '2026-12-06T01:00:00.000Z',
    deployment: 'dep_0123456789abcdef',
    estimate: 82,
    ...job,
  });
}

const dialogue = {
  type: 'text_to_dialogue',
  params: {
    inputs: [
      { text: 'Knock knock. Is anybody home this evening?', voice_id: 'JBFqnCBsd6RMkjVDRZzb' },
      { text: 'Who is there, at this hour of the night?', voice_id: 'Aw4FAjKCGjjNkVhN1Xmq' },
    ],
  },
};

/** The stored request's JSON, joined from its parts. */
function storedRequest(fields: Record<string, string>): string {
  return Object.entries(fields)
    .filter(([key]) => /^r\d+$/.test(key))
    .map(([, part]) => part)
    .join('');
}

function expectListpackFriendly(fields: Record<string, string>): void {
  expect(Object.keys(fields).length * 2).toBeLessThanOrEqual(LISTPACK_ENTRIES * 2);
  for (const [field, value] of Object.entries(fields)) {
    expect(Buffer.byteLength(value), `${field}: ${value}`).toBeLessThanOrEqual(
      LISTPACK_VALUE_BYTES,
    );
  }
}

describe('the job record codec (version 7)', () => {
  it('writes a fresh record in values of at most 64 bytes, and reads it back whole', () => {
    const record = freshRecord(dialogue);
    const fields = encodeRecord(record);
    expectListpackFriendly(fields);
    expect(fields.v).toBe(String(JOB_RECORD_VERSION));
    // Defaults are left out; the fingerprint is 32 bytes in base64url.
    expect(fields).not.toHaveProperty('id');
    expect(fields).not.toHaveProperty('record_version');
    expect(fields).not.toHaveProperty('error');
    expect(fields).not.toHaveProperty('usage');
    expect(fields).not.toHaveProperty('cache_scope');
    expect(fields).not.toHaveProperty('fingerprint');
    expect(fields.fp).toHaveLength(43);
    expect(decodeJobRecord(fields, record.id)).toEqual(record);
  });

  it('keeps labels, a non-default cache mode, a batch, a group scope and non-ASCII text', () => {
    const request = {
      ...dialogue,
      params: {
        inputs: [
          {
            text: 'Grüße aus Köln, 東京から、🎧 und 👋🏽'.repeat(6),
            voice_id: 'JBFqnCBsd6RMkjVDRZzb',
          },
        ],
      },
      custom_id: 'line-7',
      metadata: { scene: 'one', take: 2 },
      cache: 'bypass',
    };
    const record = freshRecord(request, {
      batchId: 'bat_01',
      cacheScope: 'group.studio',
      source: 'gateway',
      estimate: null,
    });
    const fields = encodeRecord(record);
    expectListpackFriendly(fields);
    const decoded = decodeJobRecord(fields, record.id);
    expect(decoded).toEqual(record);
    expect(decoded.request).toEqual(record.request);
    expect(decoded.request.cache).toBe('bypass');
  });

  it('stores the creation time as epoch ms, the estimate as a number, the seed once', () => {
    const record = freshRecord(dialogue);
    const fields = encodeRecord(record);
    expect(fields.at).toBe(String(Date.parse('2026-12-06T01:00:00.000Z')));
    expect(fields.est).toBe('82');
    expect(fields.seed).toBe('42');
    expect(Object.keys(fields).filter((key) => /^r\d+$/.test(key))).not.toHaveLength(0);
    const request = Object.entries(fields)
      .filter(([key]) => /^r\d+$/.test(key))
      .map(([, part]) => part)
      .join('');
    expect((JSON.parse(request) as { params: object }).params).not.toHaveProperty('seed');
    const decoded = decodeJobRecord(fields, record.id);
    expect(decoded.request.params).toMatchObject({ seed: 42 });
    expect(decoded).toEqual(record);
  });

  it('stores the request without what the intake filled in as defaults, and reads it whole', () => {
    const record = freshRecord(dialogue);
    const stored = JSON.parse(storedRequest(encodeRecord(record))) as Record<string, object>;
    expect(stored).not.toHaveProperty('options');
    expect(Object.keys(stored.params!)).toEqual(['inputs']);
    expect(decodeJobRecord(encodeRecord(record), record.id)).toEqual(record);

    const chosen = freshRecord({
      ...dialogue,
      params: { ...dialogue.params, output_format: 'pcm_16000', model_id: 'eleven_v3' },
      options: { stream: true },
    });
    const kept = JSON.parse(storedRequest(encodeRecord(chosen))) as Record<string, object>;
    expect(kept).toMatchObject({
      params: { output_format: 'pcm_16000' },
      options: { stream: true },
    });
    expect(kept.params).not.toHaveProperty('model_id');
    expect(decodeJobRecord(encodeRecord(chosen), chosen.id)).toEqual(chosen);
  });

  it('fills in no defaults for a version-6 record (its request was stored whole)', () => {
    const record = freshRecord(dialogue);
    const fields = { ...encodeRecord(record), v: '6' };
    const decoded = decodeJobRecord(fields, record.id);
    expect(decoded.request.params).not.toHaveProperty('model_id');
    expect(decoded.request.options).toEqual({});
  });

  it('keeps a creation time that epoch ms would not give back, and a seed unlike the record', () => {
    const record = freshRecord(dialogue, { createdAt: '2026-12-06T01:00:00Z' });
    const odd = {
      ...record,
      request: { ...record.request, params: { ...record.request.params, seed: 7 } },
    } as JobRecord;
    const fields = encodeRecord(odd);
    expect(fields.at).toBe('"2026-12-06T01:00:00Z"');
    expect(decodeJobRecord(fields, record.id)).toEqual(odd);
  });

  it('reads a field patched under its own name over its short intake name', () => {
    const record = freshRecord(dialogue);
    const fields = { ...encodeRecord(record), ...encodeFields({ estimate: { characters: 90 } }) };
    expect(decodeJobRecord(fields, record.id).estimate).toEqual({ characters: 90 });
    const reversed = Object.fromEntries(Object.entries(fields).reverse());
    expect(decodeJobRecord(reversed, record.id).estimate).toEqual({ characters: 90 });
  });

  it('reads a version-5 record (long names, ISO time, the seed in params) as it was', () => {
    const record = freshRecord({ ...dialogue, custom_id: 'line-1' }, { batchId: 'bat_01' });
    const { type: _type, cache: _cache, custom_id: _id, ...stored } = record.request;
    const versionFive: Record<string, string> = {
      record_version: '5',
      owner: '"tenant-a"',
      type: '"text_to_dialogue"',
      status: '"queued"',
      batch_id: '"bat_01"',
      custom_id: '"line-1"',
      created_at: '"2026-12-06T01:00:00.000Z"',
      seed: '42',
      estimate: '{"characters":82}',
      deployment: '"dep_0123456789abcdef"',
      fp: encodeFields({ fingerprint: record.fingerprint }).fp!,
    };
    splitUtf8(JSON.stringify(stored), 64).forEach(
      (part, i) => (versionFive[`request.${i}`] = part),
    );
    expect(decodeJobRecord(versionFive, record.id)).toEqual({ ...record, record_version: 5 });
  });

  it('reads an empty metadata object given in the request as it was given', () => {
    const record = freshRecord({ ...dialogue, metadata: {} });
    expect(decodeJobRecord(encodeRecord(record), record.id).request).toEqual(record.request);
  });

  it('applies patches over the compact layout, the fingerprint included', () => {
    const record = freshRecord(dialogue, {
      input: {
        key: null,
        url: 'https://example.com/a.wav',
        sha256: null,
        bytes: null,
        content_type: null,
      },
    });
    expect(record.fingerprint).toBeNull();
    const patch = {
      status: 'succeeded' as const,
      fingerprint: `sha256:${'ab'.repeat(32)}`,
      usage: { characters: 82, calls: 1, billed_calls: 1 },
      error: null,
    };
    const fields = { ...encodeRecord(record), ...encodeFields(patch) };
    expect(decodeJobRecord(fields, record.id)).toEqual({ ...record, ...patch });
  });

  it('reads a version-4 record (every field, the request whole) as it was', () => {
    const record = freshRecord({ ...dialogue, custom_id: 'x', metadata: { a: 1 } });
    const versionFour = Object.fromEntries(
      Object.entries({ ...record, record_version: 4 }).map(([key, value]) => [
        key,
        JSON.stringify(value),
      ]),
    );
    expect(decodeJobRecord(versionFour)).toEqual({ ...record, record_version: 4 });
  });

  it('cuts text into parts of at most N UTF-8 bytes, never inside a character', () => {
    const text = 'aé東🎧'.repeat(50);
    const parts = splitUtf8(text, REQUEST_PART_BYTES);
    expect(parts.join('')).toBe(text);
    for (const part of parts) {
      expect(Buffer.byteLength(part)).toBeLessThanOrEqual(REQUEST_PART_BYTES);
      expect(part).not.toMatch(/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/);
    }
    expect(splitUtf8('', 64)).toEqual(['']);
  });
});
