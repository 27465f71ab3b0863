import { describe, expect, it } from 'vitest';
import type { ParsedForm } from '../../../src/simulator/request-body.ts';
import {
  STEM_SEPARATION_OUTPUT_FORMATS,
  parseStemSeparationRequest,
} from '../../../src/simulator/routes/stem-separation-request.ts';
import { enumMessage } from '../../../src/simulator/validation.ts';

const file = { filename: 'song.wav', mediaType: 'audio/wav', bytes: new Uint8Array([1, 2, 3]) };

function form(fields: Record<string, string> = {}, withFile = true): ParsedForm {
  return {
    multipart: true,
    fields: new Map(Object.entries(fields)),
    files: new Map(withFile ? [['file', file]] : []),
  };
}

function issuesOf(query: string, parsedForm: ParsedForm): unknown[] {
  const outcome = parseStemSeparationRequest(new URLSearchParams(query), parsedForm);
  return outcome.ok ? [] : outcome.issues;
}

describe('parseStemSeparationRequest', () => {
  it('applies defaults (six stems, mp3_44100_128, unsigned), empty values counting as absent', () => {
    const outcome = parseStemSeparationRequest(
      new URLSearchParams('output_format='),
      form({ stem_variation_id: '', sign_with_c2pa: '' }),
    );
    expect(outcome).toEqual({
      ok: true,
      request: {
        outputFormat: expect.objectContaining({ name: 'mp3_44100_128', codec: 'mp3' }) as unknown,
        file,
        variation: 'six_stems_v1',
        signWithC2pa: false,
      },
    });
  });

  it('reads every field it takes', () => {
    const outcome = parseStemSeparationRequest(
      new URLSearchParams('output_format=pcm_22050'),
      form({ stem_variation_id: 'two_stems_v1', sign_with_c2pa: 'true' }),
    );
    expect(outcome).toMatchObject({
      ok: true,
      request: {
        outputFormat: { name: 'pcm_22050', sampleRate: 22050 },
        variation: 'two_stems_v1',
        signWithC2pa: true,
      },
    });
  });

  it('lists every problem at once, query first, in the upstream 422 shape', () => {
    const issues = issuesOf(
      'output_format=wav_44100',
      form({ stem_variation_id: 'four_stems_v1', sign_with_c2pa: 'maybe' }, false),
    );
    expect(issues).toEqual([
      {
        loc: ['query', 'output_format'],
        msg: enumMessage(STEM_SEPARATION_OUTPUT_FORMATS),
        type: 'enum',
      },
      { loc: ['body', 'file'], msg: 'Field required', type: 'missing' },
      {
        loc: ['body', 'stem_variation_id'],
        msg: "Input should be 'two_stems_v1' or 'six_stems_v1'",
        type: 'enum',
      },
      {
        loc: ['body', 'sign_with_c2pa'],
        msg: 'Input should be a valid boolean, unable to interpret input',
        type: 'bool_parsing',
      },
    ]);
  });

  it('refuses a `file` sent as a text field', () => {
    expect(issuesOf('', form({ file: 'not a file' }, false))).toEqual([
      {
        loc: ['body', 'file'],
        msg: "Value error, Expected UploadFile, received: <class 'str'>",
        type: 'value_error',
      },
    ]);
  });

  it('takes exactly the formats of the OpenAPI page: no wav', () => {
    expect(STEM_SEPARATION_OUTPUT_FORMATS).toHaveLength(21);
    expect(STEM_SEPARATION_OUTPUT_FORMATS.some((name) => name.startsWith('wav_'))).toBe(false);
  });
});
