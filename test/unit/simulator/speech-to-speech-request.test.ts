import { describe, expect, it } from 'vitest';
import type { ParsedForm } from '../../../src/simulator/request-body.ts';
import { parseSpeechToSpeechRequest } from '../../../src/simulator/routes/speech-to-speech-request.ts';
import { canonicalVoiceSettings } from '../../../src/simulator/routes/voice-settings.ts';
import { enumMessage } from '../../../src/simulator/validation.ts';

const audio = { filename: 'a.wav', mediaType: 'audio/wav', bytes: new Uint8Array([1, 2, 3]) };

function form(fields: Record<string, string> = {}, withAudio = true): ParsedForm {
  return {
    multipart: true,
    fields: new Map(Object.entries(fields)),
    files: new Map(withAudio ? [['audio', audio]] : []),
  };
}

function issuesOf(query: string, parsedForm: ParsedForm, stream = false): unknown[] {
  const outcome = parseSpeechToSpeechRequest(new URLSearchParams(query), parsedForm, stream);
  return outcome.ok ? [] : outcome.issues;
}

describe('parseSpeechToSpeechRequest', () => {
  it('applies the upstream defaults, treating empty values as absent', () => {
    const outcome = parseSpeechToSpeechRequest(
      new URLSearchParams('output_format=&enable_logging='),
      form({
        seed: '',
        voice_settings: '',
        remove_background_noise: '',
        file_format: '',
        model_id: '',
      }),
      false,
    );
    expect(outcome).toEqual({
      ok: true,
      request: {
        outputFormat: expect.objectContaining({ name: 'mp3_44100_128' }) as unknown,
        enableLogging: true,
        optimizeStreamingLatency: null,
        audio,
        modelId: 'eleven_english_sts_v2',
        voiceSettings: undefined,
        seed: null,
        removeBackgroundNoise: false,
        fileFormat: 'other',
      },
    });
  });

  it('parses every field', () => {
    const outcome = parseSpeechToSpeechRequest(
      new URLSearchParams(
        'output_format=ulaw_8000&enable_logging=false&optimize_streaming_latency=3',
      ),
      form({
        model_id: 'eleven_multilingual_sts_v2',
        voice_settings:
          '{"stability":0.2,"similarity_boost":1,"style":0,"use_speaker_boost":false,"speed":0.7,"extra":1}',
        seed: '4294967295',
        remove_background_noise: 'True',
        file_format: 'pcm_s16le_16',
      }),
      true,
    );
    expect(outcome.ok && outcome.request).toMatchObject({
      outputFormat: { name: 'ulaw_8000' },
      enableLogging: false,
      optimizeStreamingLatency: 3,
      modelId: 'eleven_multilingual_sts_v2',
      voiceSettings: {
        stability: 0.2,
        similarity_boost: 1,
        style: 0,
        use_speaker_boost: false,
        speed: 0.7,
      },
      seed: 4294967295,
      removeBackgroundNoise: true,
      fileFormat: 'pcm_s16le_16',
    });
  });

  it('reports every problem at once, in the upstream shape', () => {
    const issues = issuesOf(
      'output_format=mp3_1&enable_logging=maybe&optimize_streaming_latency=5',
      form(
        {
          seed: '-1',
          remove_background_noise: 'sometimes',
          file_format: 'flac',
          voice_settings: '{"stability":2,"speed":0.5,"use_speaker_boost":"yes","style":"x"}',
        },
        false,
      ),
    );
    expect(issues).toEqual([
      {
        loc: ['query', 'output_format'],
        msg: expect.stringMatching(/^Input should be 'alaw_8000', .* or 'wav_8000'$/) as unknown,
        type: 'enum',
      },
      {
        loc: ['query', 'enable_logging'],
        msg: 'Input should be a valid boolean, unable to interpret input',
        type: 'bool_parsing',
      },
      {
        loc: ['query', 'optimize_streaming_latency'],
        msg: 'Input should be less than or equal to 4',
        type: 'less_than_equal',
      },
      { loc: ['body', 'audio'], msg: 'Field required', type: 'missing' },
      {
        loc: ['body', 'voice_settings', 'stability'],
        msg: 'Input should be less than or equal to 1',
        type: 'less_than_equal',
      },
      {
        loc: ['body', 'voice_settings', 'style'],
        msg: 'Input should be a valid number',
        type: 'float_type',
      },
      {
        loc: ['body', 'voice_settings', 'speed'],
        msg: 'Input should be greater than or equal to 0.7',
        type: 'greater_than_equal',
      },
      {
        loc: ['body', 'voice_settings', 'use_speaker_boost'],
        msg: 'Input should be a valid boolean',
        type: 'bool_type',
      },
      {
        loc: ['body', 'seed'],
        msg: 'Input should be greater than or equal to 0',
        type: 'greater_than_equal',
      },
      {
        loc: ['body', 'remove_background_noise'],
        msg: 'Input should be a valid boolean, unable to interpret input',
        type: 'bool_parsing',
      },
      {
        loc: ['body', 'file_format'],
        msg: "Input should be 'pcm_s16le_16' or 'other'",
        type: 'enum',
      },
    ]);
  });

  it.each([
    ['seed', '1.5', 'int_parsing'],
    ['seed', '4294967296', 'less_than_equal'],
    ['voice_settings', 'not json', 'json_invalid'],
    ['voice_settings', '[1,2]', 'model_type'],
  ])('refuses %s=%j as %s', (name, value, type) => {
    expect(issuesOf('', form({ [name]: value }))).toEqual([
      expect.objectContaining({ loc: ['body', name], type }),
    ]);
  });

  it('refuses optimize_streaming_latency that is not an integer', () => {
    expect(issuesOf('optimize_streaming_latency=fast', form())).toEqual([
      {
        loc: ['query', 'optimize_streaming_latency'],
        msg: 'Input should be a valid integer, unable to parse string as an integer',
        type: 'int_parsing',
      },
    ]);
  });

  it('accepts wav formats on convert but not on stream', () => {
    expect(issuesOf('output_format=wav_16000', form())).toEqual([]);
    expect(issuesOf('output_format=wav_16000', form(), true)).toEqual([
      expect.objectContaining({
        loc: ['query', 'output_format'],
        type: 'enum',
        msg: expect.not.stringContaining('wav') as unknown,
      }),
    ]);
  });

  it('says which type it got when audio is a text field', () => {
    const parsedForm = form({ audio: 'just text' }, false);
    expect(issuesOf('', parsedForm)).toEqual([
      {
        loc: ['body', 'audio'],
        msg: "Value error, Expected UploadFile, received: <class 'str'>",
        type: 'value_error',
      },
    ]);
  });
});

describe('helpers', () => {
  it("words enums like pydantic: 'a', 'b' or 'c'", () => {
    expect(enumMessage(['a', 'b', 'c'])).toBe("Input should be 'a', 'b' or 'c'");
    expect(enumMessage(['only'])).toBe("Input should be 'only'");
  });

  it('canonicalizes voice settings independent of key order', () => {
    expect(canonicalVoiceSettings({ stability: 0.5, speed: 1 })).toBe(
      canonicalVoiceSettings({ speed: 1, stability: 0.5 }),
    );
    expect(canonicalVoiceSettings({ stability: 0.5 })).not.toBe(
      canonicalVoiceSettings({ stability: 0.6 }),
    );
    expect(canonicalVoiceSettings(undefined)).toBe('null');
  });
});
