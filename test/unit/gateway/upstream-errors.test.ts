import { describe, expect, it } from 'vitest';
import { validationBody } from '../../../src/gateway/upstream-errors.ts';

describe("validationBody: our intake's field problems as the upstream's 422", () => {
  it.each([
    ['params.settings.stability', ['body', 'settings', 'stability']],
    ['params.output_format', ['query', 'output_format']],
    ['params.voice_id', ['path', 'voice_id']],
    ['input.upload_id', ['body', 'audio']],
    ['body', ['body']],
  ])('%s → loc %j', (field, loc) => {
    expect(validationBody([{ field, message: 'bad', code: 'too_big' }])).toEqual({
      detail: [{ loc, msg: 'bad', type: 'too_big' }],
    });
  });
});
