import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { itemSeed } from '../../../src/shared/batches/item-seeds.ts';
import {
  combinationCount,
  expandItem,
  matrixAxes,
  MAX_MATRIX_AXES,
  type Matrix,
} from '../../../src/shared/batches/matrix.ts';
import { pathFitsType } from '../../../src/shared/batches/matrix-paths.ts';
import { jobRequestSchema } from '../../../src/shared/jobs/job-request.ts';

const axesOf = (matrix: Matrix) => {
  const { axes, problems } = matrixAxes(matrix);
  expect(problems).toEqual([]);
  return axes;
};

const sts = { type: 'speech_to_speech', custom_id: 'line-1', params: { voice_id: 'x' } };

describe('matrix expansion', () => {
  it('makes one item per combination, last axis fastest, custom_id suffixed per axis', () => {
    const axes = axesOf({ 'params.voice_id': ['a', 'b'], 'params.seed': [1, 2, 3] });
    const items = expandItem(sts, 'line-1', axes);
    expect(items.map((item) => item.custom_id)).toEqual([
      'line-1/voice_id=a/seed=1',
      'line-1/voice_id=a/seed=2',
      'line-1/voice_id=a/seed=3',
      'line-1/voice_id=b/seed=1',
      'line-1/voice_id=b/seed=2',
      'line-1/voice_id=b/seed=3',
    ]);
    expect(items[4]).toMatchObject({ params: { voice_id: 'b', seed: 2 } });
    expect(sts.params.voice_id).toBe('x');
  });

  it('writes at array indexes and labels complex values by index', () => {
    const dialogue = {
      type: 'text_to_dialogue',
      params: {
        inputs: [
          { text: 'Hi', voice_id: 'v0' },
          { text: 'Ho', voice_id: 'v1' },
        ],
      },
    };
    const axes = axesOf({
      'params.inputs.1.voice_id': ['p', 'q'],
      'params.settings': [{ stability: 0.5 }, null],
    });
    const items = expandItem(dialogue, 'item-0', axes);
    expect(items.map((item) => item.custom_id)).toEqual([
      'item-0/voice_id=p/settings=@0',
      'item-0/voice_id=p/settings=@1',
      'item-0/voice_id=q/settings=@0',
      'item-0/voice_id=q/settings=@1',
    ]);
    expect(items[2]).toMatchObject({
      params: {
        inputs: [
          { text: 'Hi', voice_id: 'v0' },
          { text: 'Ho', voice_id: 'q' },
        ],
        settings: { stability: 0.5 },
      },
    });
    // Every combination is a valid request of its type.
    for (const item of items) expect(jobRequestSchema.safeParse(item).success).toBe(true);
  });

  it('labels a whole axis by index when two values would read the same, or one is long', () => {
    expect(axesOf({ 'params.x': [1, '1'] })[0]?.labels).toEqual(['x=@0', 'x=@1']);
    expect(axesOf({ 'params.x': ['a/b', 'ok', 'z'.repeat(65)] })[0]?.labels).toEqual([
      'x=@0',
      'x=ok',
      'x=@2',
    ]);
  });

  it('names each problem by its axis', () => {
    const axes = Object.fromEntries(
      Array.from({ length: MAX_MATRIX_AXES + 1 }, (_, i) => [`params.a${i}`, [i]]),
    );
    expect(matrixAxes(axes).problems).toEqual([
      { field: 'matrix', message: 'must have 1 to 8 axes', code: 'too_big' },
    ]);
    expect(matrixAxes({}).problems[0]).toMatchObject({ field: 'matrix', code: 'too_small' });
    const { problems } = matrixAxes({
      'params.voice_id': [],
      voice_id: ['a'],
      'params.__proto__.x': ['a'],
      'params.seed': [1, 2, 1],
      'params..x': ['a'],
    });
    expect(problems.map((p) => [p.field, p.code])).toEqual([
      ['matrix["params.voice_id"]', 'too_small'],
      ['matrix["voice_id"]', 'invalid_path'],
      ['matrix["params.__proto__.x"]', 'invalid_path'],
      ['matrix["params.seed"][2]', 'duplicate_value'],
      ['matrix["params..x"]', 'invalid_path'],
    ]);
  });

  it('knows which paths each type takes, array indexes and unions included', () => {
    const fits = (type: string, path: string) => pathFitsType(type, path.split('.'));
    expect(fits('speech_to_speech', 'params.voice_id')).toBe(true);
    expect(fits('speech_to_speech', 'params.voice_settings.stability')).toBe(true);
    expect(fits('speech_to_speech', 'params.inputs.0.voice_id')).toBe(false);
    expect(fits('text_to_dialogue', 'params.inputs.0.voice_id')).toBe(true);
    expect(fits('text_to_dialogue', 'params.inputs.x.voice_id')).toBe(false);
    expect(fits('text_to_dialogue', 'params.voice_id')).toBe(false);
    expect(fits('music', 'params.voice_id')).toBe(false);
    expect(fits('stem_separation', 'params.stem_variation_id')).toBe(true);
    // An unknown type is left to the item's own validation, which names it.
    expect(fits('no_such_type', 'params.anything')).toBe(true);
  });
});

describe('matrix expansion, for any matrix', () => {
  const value = fc.oneof(
    fc.string({ maxLength: 70 }),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.dictionary(fc.string({ maxLength: 3 }), fc.integer(), { maxKeys: 2 }),
  );
  const matrix = fc
    .uniqueArray(fc.stringMatching(/^[a-z_]{1,8}$/), { minLength: 1, maxLength: 4 })
    .chain((names) =>
      fc.tuple(
        ...names.map((name) =>
          fc
            .uniqueArray(value, { minLength: 1, maxLength: 4, selector: (v) => JSON.stringify(v) })
            .map((values) => [`params.${name}`, values] as const),
        ),
      ),
    )
    .map((entries) => Object.fromEntries(entries) as Matrix);

  it('makes the product of the axes’ lengths, custom_ids unique, seeds stable per custom_id', () => {
    fc.assert(
      fc.property(matrix, fc.integer({ min: 0, max: 2 ** 32 - 1 }), (m, batchSeed) => {
        const axes = axesOf(m);
        const items = expandItem(sts, 'line-1', axes);
        const count = Object.values(m).reduce((n, values) => n * values.length, 1);
        expect(items).toHaveLength(count);
        expect(combinationCount(axes)).toBe(count);
        const ids = items.map((item) => item.custom_id as string);
        expect(new Set(ids).size).toBe(count);
        // The same matrix again gives the same custom_ids, hence the same seeds.
        const again = expandItem(sts, 'line-1', axesOf(m)).map((item) => item.custom_id);
        expect(again).toEqual(ids);
        const seeds = (list: string[]) =>
          list.map((id) =>
            itemSeed(
              { type: 'speech_to_speech', params: { voice_id: 'x' } } as never,
              batchSeed,
              id,
            ),
          );
        expect(seeds(again as string[])).toEqual(seeds(ids));
      }),
      { numRuns: 200 },
    );
  });
});
