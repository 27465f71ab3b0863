import { describe, expect, it } from 'vitest';
import { parseDialogueRequest } from '../../../src/simulator/routes/text-to-dialogue-request.ts';

const inputs = [{ text: 'Hello', voice_id: 'v1' }];

function issuesOf(query: string, body: unknown, stream = false): unknown[] {
  const outcome = parseDialogueRequest(new URLSearchParams(query), body, stream);
  return outcome.ok ? [] : outcome.issues;
}

describe('parseDialogueRequest', () => {
  it('applies the upstream defaults and ignores unknown keys, as pydantic does', () => {
    const outcome = parseDialogueRequest(
      new URLSearchParams(''),
      { inputs, extra: 1, settings: { stability: 0.3, style: 2 } },
      false,
    );
    expect(outcome).toEqual({
      ok: true,
      request: {
        outputFormat: expect.objectContaining({ name: 'mp3_44100_128' }) as unknown,
        inputs: [{ text: 'Hello', voiceId: 'v1' }],
        modelId: 'eleven_v3',
        languageCode: null,
        stability: 0.3,
        locators: [],
        seed: null,
        applyTextNormalization: 'auto',
      },
    });
  });

  it('takes null where the schema allows it', () => {
    const body = {
      inputs,
      language_code: null,
      settings: null,
      pronunciation_dictionary_locators: null,
      seed: null,
    };
    expect(issuesOf('', body)).toEqual([]);
  });

  it('lists every problem, query first, in the 422 item shape', () => {
    const body = {
      inputs: [{ text: 1 }, 'x'],
      model_id: 5,
      settings: { stability: 'high' },
      pronunciation_dictionary_locators: [{}, {}, {}, { pronunciation_dictionary_id: 'p' }],
      seed: 4_294_967_296,
      apply_text_normalization: 'sometimes',
    };
    expect(issuesOf('output_format=mp3_1', body)).toEqual([
      {
        loc: ['query', 'output_format'],
        msg: expect.stringContaining("'alaw_8000'") as unknown,
        type: 'enum',
      },
      {
        loc: ['body', 'inputs', 0, 'text'],
        msg: 'Input should be a valid string',
        type: 'string_type',
      },
      { loc: ['body', 'inputs', 0, 'voice_id'], msg: 'Field required', type: 'missing' },
      {
        loc: ['body', 'inputs', 1],
        msg: 'Input should be a valid dictionary or object to extract fields from',
        type: 'model_attributes_type',
      },
      { loc: ['body', 'model_id'], msg: 'Input should be a valid string', type: 'string_type' },
      {
        loc: ['body', 'settings', 'stability'],
        msg: 'Input should be a valid number',
        type: 'float_type',
      },
      {
        loc: ['body', 'pronunciation_dictionary_locators'],
        msg: 'List should have at most 3 items after validation, not 4',
        type: 'too_long',
      },
      {
        loc: ['body', 'pronunciation_dictionary_locators', 0, 'pronunciation_dictionary_id'],
        msg: 'Field required',
        type: 'missing',
      },
      {
        loc: ['body', 'pronunciation_dictionary_locators', 1, 'pronunciation_dictionary_id'],
        msg: 'Field required',
        type: 'missing',
      },
      {
        loc: ['body', 'pronunciation_dictionary_locators', 2, 'pronunciation_dictionary_id'],
        msg: 'Field required',
        type: 'missing',
      },
      {
        loc: ['body', 'seed'],
        msg: 'Input should be less than or equal to 4294967295',
        type: 'less_than_equal',
      },
      {
        loc: ['body', 'apply_text_normalization'],
        msg: "Input should be 'auto', 'on' or 'off'",
        type: 'enum',
      },
    ]);
  });

  it('requires inputs and an object body', () => {
    expect(issuesOf('', {})).toEqual([
      { loc: ['body', 'inputs'], msg: 'Field required', type: 'missing' },
    ]);
    expect(issuesOf('', [inputs])).toEqual([
      {
        loc: ['body'],
        msg: 'Input should be a valid dictionary or object to extract fields from',
        type: 'model_attributes_type',
      },
    ]);
    expect(issuesOf('', { inputs: 'Hello' })).toEqual([
      { loc: ['body', 'inputs'], msg: 'Input should be a valid list', type: 'list_type' },
    ]);
  });

  it('accepts wav on the plain endpoints only', () => {
    expect(issuesOf('output_format=wav_24000', { inputs })).toEqual([]);
    expect(issuesOf('output_format=wav_24000', { inputs }, true)).toEqual([
      expect.objectContaining({ loc: ['query', 'output_format'], type: 'enum' }),
    ]);
  });

  it('checks seeds like pydantic: integers in range', () => {
    expect(issuesOf('', { inputs, seed: 1.5 })).toEqual([
      expect.objectContaining({ loc: ['body', 'seed'], type: 'int_from_float' }),
    ]);
    expect(issuesOf('', { inputs, seed: '7' })).toEqual([
      expect.objectContaining({ loc: ['body', 'seed'], type: 'int_type' }),
    ]);
    expect(issuesOf('', { inputs, seed: -1 })).toEqual([
      expect.objectContaining({ loc: ['body', 'seed'], type: 'greater_than_equal' }),
    ]);
  });
});
