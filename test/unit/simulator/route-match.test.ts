import { describe, expect, it } from 'vitest';
import { matchTemplate } from '../../../src/simulator/routes/route.ts';

describe('matchTemplate', () => {
  const template = '/v1/speech-to-speech/{voice_id}';

  it('extracts and decodes path parameters', () => {
    expect(matchTemplate(template, '/v1/speech-to-speech/abc')).toEqual({ voice_id: 'abc' });
    expect(matchTemplate(template, '/v1/speech-to-speech/a%20b')).toEqual({ voice_id: 'a b' });
    expect(matchTemplate(`${template}/stream`, '/v1/speech-to-speech/x/stream')).toEqual({
      voice_id: 'x',
    });
  });

  it('refuses other paths, empty segments and broken encodings', () => {
    expect(matchTemplate(template, '/v1/speech-to-speech/abc/stream')).toBeNull();
    expect(matchTemplate(template, '/v1/speech-to-speech/')).toBeNull();
    expect(matchTemplate(template, '/v1/text-to-speech/abc')).toBeNull();
    expect(matchTemplate(template, '/v1/speech-to-speech/%E0%A4%A')).toBeNull();
  });
});
