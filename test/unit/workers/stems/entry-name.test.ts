import { describe, expect, it } from 'vitest';
import { parseEntryName } from '../../../../src/workers/stems/entry-name.ts';

describe('parseEntryName', () => {
  it.each([
    ['vocals.mp3', 'vocals', 'mp3'],
    ['instrumental.pcm', 'instrumental', 'pcm'],
    ['Lead Vocals.MP3', 'lead_vocals', 'mp3'],
    ['stems/drums.opus', 'drums', 'opus'],
    ['song.final/bass.ulaw', 'bass', 'ulaw'],
    ['other', 'other', null],
    ['piano.tar.gz', 'piano_tar', 'gz'],
    ['guitar.%%%', 'guitar', null],
    ['   backing  track!.wav', 'backing_track', 'wav'],
    ['vocal-2_take.mp3', 'vocal-2_take', 'mp3'],
    ['Gesang-Stimme-Ü.mp3', 'gesang-stimme-u', 'mp3'],
    ['-_vocals_-.mp3', 'vocals', 'mp3'],
  ])('%j is stem %j (extension %j)', (name, stem, extension) => {
    expect(parseEntryName(name)).toEqual({ kind: 'stem', stem, extension });
  });

  it.each([
    ['../vocals.mp3', '".." segment'],
    ['stems/../../etc/passwd', '".." segment'],
    ['/etc/vocals.mp3', 'absolute path'],
    ['C:/stems/vocals.mp3', 'absolute path'],
    ['c:vocals.mp3', 'absolute path'],
    ['stems\\vocals.mp3', 'backslash in name'],
    ['..\\..\\vocals.mp3', 'backslash in name'],
    ['voc\u0000als.mp3', 'control character in name'],
    ['vocals\n.mp3', 'control character in name'],
    ['', 'empty name'],
    ['!!!.mp3', 'no usable characters in name'],
    [`${'a'.repeat(65)}.mp3`, 'name too long'],
  ])('%j is refused (%s)', (name, reason) => {
    expect(parseEntryName(name)).toEqual({ kind: 'unsafe', reason });
  });

  it.each(['stems/', '__MACOSX/._vocals.mp3', '.DS_Store', 'stems/.hidden.mp3'])(
    '%j is skipped (folder or hidden file)',
    (name) => {
      expect(parseEntryName(name)).toEqual({ kind: 'skip' });
    },
  );

  it('keeps 64 characters, the longest stem name allowed', () => {
    expect(parseEntryName(`${'b'.repeat(64)}.mp3`)).toMatchObject({ stem: 'b'.repeat(64) });
  });
});
