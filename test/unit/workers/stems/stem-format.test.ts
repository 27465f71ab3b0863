import { describe, expect, it } from 'vitest';
import { describeStemEntry } from '../../../../src/workers/stems/stem-format.ts';

describe('describeStemEntry', () => {
  it.each([
    [
      'mp3',
      'mp3_44100_128',
      { contentType: 'audio/mpeg', extension: 'mp3', probeFormat: 'mp3_44100_128' },
    ],
    ['pcm', 'pcm_16000', { contentType: 'audio/L16', extension: 'pcm', probeFormat: 'pcm_16000' }],
    [
      'ulaw',
      'ulaw_8000',
      { contentType: 'audio/basic', extension: 'ulaw', probeFormat: 'ulaw_8000' },
    ],
    [
      'opus',
      'opus_48000_64',
      { contentType: 'audio/ogg', extension: 'opus', probeFormat: 'opus_48000_64' },
    ],
    // No extension, or one we do not know: the upstream says stems are in the requested format.
    [null, 'pcm_22050', { contentType: 'audio/L16', extension: 'pcm', probeFormat: 'pcm_22050' }],
    ['raw', 'pcm_22050', { contentType: 'audio/L16', extension: 'pcm', probeFormat: 'pcm_22050' }],
    // A container of another kind is stored as what it is, and probed as such.
    ['wav', 'pcm_44100', { contentType: 'audio/wav', extension: 'wav', probeFormat: 'wav' }],
    ['ogg', 'opus_48000_64', { contentType: 'audio/ogg', extension: 'ogg', probeFormat: 'ogg' }],
    // Raw audio of an unexpected kind: kept, but its sample rate (so its length) is unknown.
    ['pcm', 'mp3_44100_128', { contentType: 'audio/L16', extension: 'pcm', probeFormat: null }],
  ] as const)('%j under %s', (extension, format, expected) => {
    expect(describeStemEntry(extension, format)).toEqual(expected);
  });
});
