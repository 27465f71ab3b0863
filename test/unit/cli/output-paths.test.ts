import { describe, expect, it } from 'vitest';
import { outputFileName, outputPath } from '../../../src/cli/output-paths.ts';

describe('output file names', () => {
  it.each([
    ['audio', 'audio/mpeg', 'audio.mp3'],
    ['audio', 'audio/L16', 'audio.pcm'],
    ['audio', 'audio/wav', 'audio.wav'],
    ['timestamps', 'application/json', 'timestamps.json'],
    ['captions.vtt', 'text/vtt; charset=utf-8', 'captions.vtt'],
    ['captions.srt', 'application/x-subrip; charset=utf-8', 'captions.srt'],
    ['stems.zip', 'application/zip', 'stems.zip'],
    ['stem.vocals', 'audio/mpeg', 'stem.vocals.mp3'],
    ['mystery', 'application/x-unknown', 'mystery'],
  ])('%s (%s) → %s', (name, type, file) => {
    expect(outputFileName(name, type)).toBe(file);
  });

  it('nests custom_ids with slashes and refuses to leave the folder', () => {
    expect(outputPath('/out', 'scene-1/line-2/fr', 'audio', 'audio/mpeg')).toBe(
      '/out/scene-1/line-2/fr/audio.mp3',
    );
    expect(() => outputPath('/out', '../etc', 'audio', 'audio/mpeg')).toThrow(/outside/);
    expect(() => outputPath('/out', 'a', '../../x', 'audio/mpeg')).toThrow(/outside/);
  });
});
