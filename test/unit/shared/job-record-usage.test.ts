import { describe, expect, it } from 'vitest';
import { decodeJobRecord, encodeFields } from '../../../src/shared/jobs/job-record-codec.ts';

/** The fields of a version-2 record (before usage), as its release wrote them. */
function versionTwo(upstream: object | null): Record<string, string> {
  return encodeFields({
    record_version: 2,
    id: 'job_1',
    owner: 'tenant-a',
    type: 'text_to_dialogue',
    status: 'succeeded',
    created_at: '2026-01-01T00:00:00.000Z',
    request: { type: 'text_to_dialogue', params: {} },
    upstream,
  });
}

describe('records written before usage', () => {
  it('read their usage from the upstream summary they kept', () => {
    const record = decodeJobRecord(
      versionTwo({ endpoint: '/v1/text-to-dialogue', character_cost: 85, calls: 3 }),
    );
    expect(record.usage).toEqual({ characters: 85, calls: 3, billed_calls: 1 });
    expect(record.upstream?.history_item_id).toBeNull();
  });

  it('read no usage when they made no call', () => {
    expect(decodeJobRecord(versionTwo(null)).usage).toEqual({
      characters: 0,
      calls: 0,
      billed_calls: 0,
    });
  });

  it('keep the usage the ledger wrote', () => {
    const fields = { ...versionTwo(null), usage: '{"characters":7,"calls":2,"billed_calls":1}' };
    expect(decodeJobRecord(fields).usage).toEqual({ characters: 7, calls: 2, billed_calls: 1 });
  });

  it('read no estimate: none was made at their intake', () => {
    expect(decodeJobRecord(versionTwo(null)).estimate).toEqual({ characters: null });
    const fields = { ...versionTwo(null), estimate: '{"characters":42}' };
    expect(decodeJobRecord(fields).estimate).toEqual({ characters: 42 });
  });
});
