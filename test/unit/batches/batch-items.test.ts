import { describe, expect, it } from 'vitest';
import { validateItems } from '../../../src/api/services/batch-items.ts';
import { mergeUnder } from '../../../src/shared/batches/merge-under.ts';
import { BatchProblems } from '../../../src/api/services/batch-problems.ts';
import { ValidationError } from '../../../src/shared/errors.ts';

const policy = { allowPrivate: false, signingConfigured: true };

function problemsOf(run: (problems: BatchProblems) => void): ValidationError {
  const problems = new BatchProblems();
  run(problems);
  try {
    problems.throwIfAny();
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('no problems');
}

describe('batch items', () => {
  it('merges defaults under each item: objects deeply, input whole, the item winning', () => {
    const merged = mergeUnder(
      {
        type: 'speech_to_speech',
        params: { voice_id: 'a', voice_settings: { stability: 0.1, style: 0.2 } },
        input: { url: 'https://example.com/a.wav' },
      },
      { params: { voice_settings: { stability: 0.9 } }, input: { upload_id: 'upl_x' } },
    );
    expect(merged).toEqual({
      type: 'speech_to_speech',
      params: { voice_id: 'a', voice_settings: { stability: 0.9, style: 0.2 } },
      input: { upload_id: 'upl_x' },
    });
    const hostile = mergeUnder(
      {},
      JSON.parse('{"__proto__": {"polluted": true}}') as object as Record<string, unknown>,
    );
    expect(Object.getPrototypeOf(hostile)).toBe(Object.prototype);
    expect(Object.keys(hostile)).toEqual(['__proto__']);
  });

  it('names every problem by item index and custom_id, and generates missing custom_ids', () => {
    const items: unknown[] = [
      { params: { voice_id: 'v' }, input: { url: 'https://example.com/a.wav' } },
      { params: {}, custom_id: 'second', input: { url: 'https://example.com/b.wav' } },
      {
        params: { voice_id: 'v' },
        custom_id: 'item-0',
        input: { url: 'https://example.com/c.wav' },
      },
      'not an object',
      { params: { voice_id: 'v' }, input: { url: 'https://10.0.0.1/x.wav' } },
    ];
    const error = problemsOf((problems) =>
      validateItems(items, { type: 'speech_to_speech' }, policy, problems),
    );
    expect(error.details).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          field: 'items[1].params.voice_id',
          message: expect.stringContaining('(custom_id "second")') as unknown,
        }),
        expect.objectContaining({ field: 'items[2].custom_id', code: 'duplicate_custom_id' }),
        expect.objectContaining({ field: 'items[3]', code: 'invalid_type' }),
        expect.objectContaining({ field: 'items[4].input.url' }),
      ]),
    );
    expect(error.message).toContain('4 items');
    // The valid first item was normalized in place, with its generated custom_id.
    expect(items[0]).toMatchObject({ type: 'speech_to_speech', custom_id: 'item-0' });
    expect(items[1]).toBeNull();
  });

  it("applies a default only where the item's type takes the field", () => {
    const defaults = {
      params: { output_format: 'mp3_44100_128' },
      options: { stream: true },
      metadata: { project: 'p' },
    };
    const items: unknown[] = [
      { type: 'music_plan', params: { prompt: 'epic' } },
      { type: 'music', params: { prompt: 'epic', music_length_ms: 10_000 } },
      { type: 'music', params: { prompt: 'epic', output_format: 'mp3_22050_32' } },
    ];
    const problems = new BatchProblems();
    const valid = validateItems(items, defaults, policy, problems);
    problems.throwIfAny();
    expect(valid[0]).toMatchObject({ type: 'music_plan', options: {}, metadata: { project: 'p' } });
    expect(valid[0]?.params).not.toHaveProperty('output_format');
    expect(valid[1]).toMatchObject({
      params: { output_format: 'mp3_44100_128' },
      options: { stream: true },
    });
    expect(valid[2]).toMatchObject({ params: { output_format: 'mp3_22050_32' } });
  });

  it('still refuses a default field that no job type takes, naming it', () => {
    const items: unknown[] = [{ type: 'music_plan', params: { prompt: 'epic' } }];
    const error = problemsOf((problems) =>
      validateItems(items, { params: { ouput_format: 'mp3_44100_128' } }, policy, problems),
    );
    expect(error.details).toEqual([
      expect.objectContaining({ field: 'items[0].params.ouput_format' }),
    ]);
  });

  it('lists at most 1,000 problems but counts them all', () => {
    const items = Array.from({ length: 1_500 }, () => ({ type: 'speech_to_speech', params: {} }));
    const error = problemsOf((problems) => validateItems(items, undefined, policy, problems));
    expect(error.details).toHaveLength(1_000);
    expect(error.message).toMatch(
      /^The batch is invalid: \d+ problem\(s\) in 1500 items; the first 1000/,
    );
  });
});
