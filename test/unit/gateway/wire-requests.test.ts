import { describe, expect, it } from 'vitest';
import { jobRequestSchema } from '../../../src/shared/jobs/job-request.ts';
import { formValue, toJobRequest, type WireCall } from '../../../src/gateway/wire-requests.ts';

const call = (over: Partial<WireCall>): WireCall => ({
  endpoint: 'text_to_dialogue',
  fields: {},
  query: {},
  path: {},
  uploadId: null,
  ...over,
});

describe('formValue: form fields and query strings typed as the upstream reads them', () => {
  it.each([
    ['42', 42],
    ['0.5', 0.5],
    ['true', true],
    ['false', false],
    ['{"stability":0.4}', { stability: 0.4 }],
    ['eleven_multilingual_sts_v2', 'eleven_multilingual_sts_v2'],
    ['pcm_s16le_16', 'pcm_s16le_16'],
    ['{not json', '{not json'],
  ])('%s', (raw, typed) => expect(formValue(raw)).toEqual(typed));
});

describe('toJobRequest: each upstream endpoint as the job request the intake validates', () => {
  it('speech-to-speech: form fields, path voice and query parameters in params; the file as input', () => {
    const request = toJobRequest(
      call({
        endpoint: 'speech_to_speech_stream',
        fields: { seed: 5, voice_settings: { stability: 0.4 }, remove_background_noise: true },
        path: { voice_id: 'JBFqnCBsd6RMkjVDRZzb' },
        query: { output_format: 'pcm_16000', enable_logging: 'false', other: 'x' },
        uploadId: 'upl_01jabcdefghjkmnpqrstvwxyz0',
      }),
    );
    expect(jobRequestSchema.parse(request)).toMatchObject({
      type: 'speech_to_speech',
      params: {
        voice_id: 'JBFqnCBsd6RMkjVDRZzb',
        seed: 5,
        voice_settings: { stability: 0.4 },
        remove_background_noise: true,
        output_format: 'pcm_16000',
        enable_logging: false,
      },
      input: { upload_id: 'upl_01jabcdefghjkmnpqrstvwxyz0' },
      options: { stream: true },
    });
  });

  it.each([
    ['text_to_dialogue', { stream: false, with_timestamps: false }],
    ['text_to_dialogue_stream', { stream: true, with_timestamps: false }],
    ['text_to_dialogue_timestamps', { stream: false, with_timestamps: true }],
  ] as const)('%s picks its endpoint through options', (endpoint, options) => {
    const fields = { inputs: [{ text: 'Hi', voice_id: 'v1' }] };
    expect(toJobRequest(call({ endpoint, fields }))).toMatchObject({ options });
  });

  it.each([
    ['music', { stream: false, detailed: false }],
    ['music_stream', { stream: true, detailed: false }],
    ['music_detailed', { stream: false, detailed: true }],
  ] as const)('%s picks its endpoint through options', (endpoint, options) => {
    expect(toJobRequest(call({ endpoint, fields: { prompt: 'x' } }))).toMatchObject({ options });
  });

  it('unknown body fields and query parameters are kept aside as upstream_extra, not refused', () => {
    const request = toJobRequest(
      call({
        fields: { inputs: [{ text: 'Hi', voice_id: 'v1' }], brand_new_field: { a: 1 } },
        query: { output_format: 'mp3_44100_128', new_flag: ['on', 'off'] },
      }),
    );
    expect(request).toMatchObject({
      params: { output_format: 'mp3_44100_128' },
      upstream_extra: { body: { brand_new_field: { a: 1 } }, query: { new_flag: 'on' } },
    });
    expect(request['params']).not.toHaveProperty('brand_new_field');
    expect(jobRequestSchema.safeParse(request).success).toBe(true);
  });

  it('a request with only known fields has no upstream_extra', () => {
    const request = toJobRequest(call({ fields: { inputs: [{ text: 'Hi', voice_id: 'v1' }] } }));
    expect(request).not.toHaveProperty('upstream_extra');
  });

  it('a known field with a bad value is still refused', () => {
    const request = toJobRequest(call({ fields: { inputs: [], seed: -1 } }));
    expect(jobRequestSchema.safeParse(request).success).toBe(false);
  });
});
