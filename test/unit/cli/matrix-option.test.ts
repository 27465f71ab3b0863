import { describe, expect, it } from 'vitest';
import { checkMatrix, parseMatrixOption, typedMatrix } from '../../../src/cli/matrix-option.ts';

describe('--matrix', () => {
  it('collects one axis per option, values split at commas or read as a JSON array', () => {
    const one = parseMatrixOption('params.voice_id=a, b,c', undefined);
    const two = parseMatrixOption('params.settings=[{"stability":0.5},null]', one);
    expect(two).toEqual({
      'params.voice_id': ['a', 'b', 'c'],
      'params.settings': [{ stability: 0.5 }, null],
    });
    expect(() => parseMatrixOption('params.voice_id=d', two)).toThrow(/twice/);
    expect(() => parseMatrixOption('voices', undefined)).toThrow(/PATH=VALUE/);
    expect(() => parseMatrixOption('params.voice_id=a,,b', undefined)).toThrow(/non-empty/);
    expect(() => parseMatrixOption('params.seed=[1,', undefined)).toThrow(/JSON array/);
  });

  it('types text values by the field they fill', () => {
    const matrix = {
      'params.seed': ['1', '2'],
      'params.voice_id': ['123', 'abc'],
      'params.remove_background_noise': ['true', 'no'],
    };
    expect(typedMatrix(matrix, 'speech_to_speech')).toEqual({
      'params.seed': [1, 2],
      'params.voice_id': ['123', 'abc'],
      'params.remove_background_noise': [true, false],
    });
    // Unknown to the type: sent as given, for the service to refuse by name.
    expect(typedMatrix({ 'params.nope': ['1'] }, 'music')).toEqual({ 'params.nope': ['1'] });
  });

  it('refuses an axis a manifest type does not take, naming it', () => {
    expect(() => checkMatrix({ 'params.voice_id': ['a'] }, ['speech_to_speech'])).not.toThrow();
    expect(() =>
      checkMatrix({ 'params.voice_id': ['a'] }, ['speech_to_speech', 'music', 'music']),
    ).toThrow(
      expect.objectContaining({
        lines: ['--matrix params.voice_id: is not a field of music items'],
      }) as Error,
    );
  });
});
