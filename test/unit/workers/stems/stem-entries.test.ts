import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../../../../src/workers/upstream/upstream-error.ts';
import {
  MAX_STEM_BYTES,
  MAX_STEM_ENTRIES,
  planStemEntries,
} from '../../../../src/workers/stems/stem-entries.ts';

const entry = (fileName: string, uncompressedSize = 10) => ({ fileName, uncompressedSize });

function refusal(run: () => unknown): UpstreamError {
  try {
    run();
  } catch (error) {
    if (error instanceof UpstreamError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('planStemEntries', () => {
  it('takes names and order from the archive, skipping folders and hidden files', () => {
    const planned = planStemEntries([
      entry('stems/'),
      entry('stems/Voice.mp3'),
      entry('.DS_Store'),
      entry('stems/backing.mp3'),
    ]);
    expect(planned.map((p) => [p.stem, p.extension, p.entry.fileName])).toEqual([
      ['voice', 'mp3', 'stems/Voice.mp3'],
      ['backing', 'mp3', 'stems/backing.mp3'],
    ]);
  });

  it.each([
    [['vocals.mp3', 'a/vocals.mp3'], 'duplicate_archive_entry'],
    [['Vocals.mp3', 'vocals.wav'], 'duplicate_archive_entry'],
    [['lead vocals.mp3', 'lead_vocals.mp3'], 'duplicate_archive_entry'],
    [['vocals.mp3', '../drums.mp3'], 'unsafe_archive_entry'],
    [['vocals.mp3', 'x\\drums.mp3'], 'unsafe_archive_entry'],
    [['/abs.mp3'], 'unsafe_archive_entry'],
  ])('refuses %j as %s, a fatal failure', (names, code) => {
    const error = refusal(() => planStemEntries(names.map((name) => entry(name))));
    expect(error.upstreamCode).toBe(code);
    expect(error.kind).toBe('fatal');
    expect(error.retryable).toBe(false);
  });

  it('refuses too many entries and oversized ones', () => {
    const many = Array.from({ length: MAX_STEM_ENTRIES + 1 }, (_, i) => entry(`s${i}.mp3`));
    expect(refusal(() => planStemEntries(many)).upstreamCode).toBe('archive_too_large');
    const huge = [entry('vocals.mp3', MAX_STEM_BYTES + 1)];
    expect(refusal(() => planStemEntries(huge)).upstreamCode).toBe('archive_too_large');
  });

  it('reads an archive without a stem as damaged: retryable corrupt_archive', () => {
    for (const entries of [[], [entry('stems/'), entry('.DS_Store')]]) {
      const error = refusal(() => planStemEntries(entries));
      expect(error.upstreamCode).toBe('corrupt_archive');
      expect(error.kind).toBe('retryable');
    }
  });
});
