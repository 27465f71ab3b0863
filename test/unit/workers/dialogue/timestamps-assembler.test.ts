import { describe, expect, it } from 'vitest';
import type {
  CharacterAlignment,
  DialogueChunk,
  VoiceSegment,
} from '../../../../src/workers/dialogue/dialogue-wire.ts';
import { TimestampsAssembler } from '../../../../src/workers/dialogue/timestamps-assembler.ts';
import { documentOf } from './timeline-fixtures.ts';

const document = documentOf([
  { text: 'Hello there, friend.', voice: 'A' },
  { text: 'Hi!', voice: 'B' },
  { text: 'Long time no see.', voice: 'A' },
]);
const full = document.alignment as CharacterAlignment;

/**
 * Cuts the document into chunks of `seconds` of audio each, as an upstream stream would:
 * characters go to the chunk in which they start. `relative` moves each chunk's times (and
 * segment character indices) to the chunk's own start.
 */
function chunked(
  seconds: number,
  relative: boolean,
): { chunk: DialogueChunk; audioStart: number }[] {
  const out: { chunk: DialogueChunk; audioStart: number }[] = [];
  let index = 0;
  for (let start = 0; index < full.characters.length; start += seconds) {
    const from = index;
    while (
      index < full.characters.length &&
      (full.character_start_times_seconds[index] ?? 0) < start + seconds
    )
      index += 1;
    const shift = relative ? start : 0;
    const shiftIndex = relative ? from : 0;
    const alignment = {
      characters: full.characters.slice(from, index),
      character_start_times_seconds: full.character_start_times_seconds
        .slice(from, index)
        .map((t) => t - shift),
      character_end_times_seconds: full.character_end_times_seconds
        .slice(from, index)
        .map((t) => t - shift),
    };
    const segments: VoiceSegment[] = document.voice_segments.flatMap((segment) => {
      const a = Math.max(from, segment.character_start_index);
      const b = Math.min(index, segment.character_end_index);
      if (a >= b) return [];
      return [
        {
          ...segment,
          start_time_seconds: (full.character_start_times_seconds[a] ?? 0) - shift,
          end_time_seconds: (full.character_end_times_seconds[b - 1] ?? 0) - shift,
          character_start_index: a - shiftIndex,
          character_end_index: b - shiftIndex,
        },
      ];
    });
    out.push({
      chunk: {
        audio_base64: '',
        alignment: from === index ? null : alignment,
        normalized_alignment: from === index ? null : alignment,
        voice_segments: segments,
      },
      audioStart: start,
    });
  }
  return out;
}

function expectSegmentsEqual(actual: VoiceSegment[], expected: VoiceSegment[]): void {
  expect(actual).toHaveLength(expected.length);
  for (const [i, segment] of actual.entries()) {
    const want = expected[i] as VoiceSegment;
    expect(segment).toMatchObject({
      voice_id: want.voice_id,
      dialogue_input_index: want.dialogue_input_index,
      character_start_index: want.character_start_index,
      character_end_index: want.character_end_index,
    });
    expect(segment.start_time_seconds).toBeCloseTo(want.start_time_seconds, 6);
    expect(segment.end_time_seconds).toBeCloseTo(want.end_time_seconds, 6);
  }
}

function assemble(chunks: { chunk: DialogueChunk; audioStart: number | null }[]) {
  const assembler = new TimestampsAssembler();
  for (const { chunk, audioStart } of chunks) assembler.add(chunk, audioStart);
  return assembler.finish();
}

function expectTimesEqual(actual: CharacterAlignment | null, expected: CharacterAlignment): void {
  expect(actual?.characters).toEqual(expected.characters);
  actual?.character_start_times_seconds.forEach((t, i) =>
    expect(t).toBeCloseTo(expected.character_start_times_seconds[i] ?? NaN, 6),
  );
  actual?.character_end_times_seconds.forEach((t, i) =>
    expect(t).toBeCloseTo(expected.character_end_times_seconds[i] ?? NaN, 6),
  );
}

describe('TimestampsAssembler', () => {
  it.each([0.4, 0.75, 1.3])('absolute chunks (%s s) give back the document as is', (seconds) => {
    const { document: out, chunkTimes } = assemble(chunked(seconds, false));
    expect(chunkTimes).toBe('absolute');
    expectTimesEqual(out.alignment, full);
    expectTimesEqual(out.normalized_alignment, full);
    expectSegmentsEqual(out.voice_segments, document.voice_segments);
  });

  it.each([0.4, 0.75, 1.3])(
    'relative chunks (%s s) are shifted to the same absolute times',
    (seconds) => {
      const { document: out, chunkTimes } = assemble(chunked(seconds, true));
      expect(chunkTimes).toBe('relative');
      expectTimesEqual(out.alignment, full);
      expectSegmentsEqual(out.voice_segments, document.voice_segments);
    },
  );

  it('without a measured audio clock, shifts relative chunks by the previous end instead', () => {
    const chunks = chunked(0.75, true).map(({ chunk }) => ({ chunk, audioStart: null }));
    const { document: out, chunkTimes } = assemble(chunks);
    expect(chunkTimes).toBe('relative');
    const starts = out.alignment?.character_start_times_seconds ?? [];
    for (let i = 1; i < starts.length; i++)
      expect(starts[i]).toBeGreaterThanOrEqual(starts[i - 1] ?? 0);
    expect(out.alignment?.characters).toEqual(full.characters);
  });

  it('one JSON answer is "single" and passes through untouched', () => {
    const {
      document: out,
      chunkTimes,
      chunks,
    } = assemble([
      {
        chunk: {
          audio_base64: '',
          alignment: full,
          normalized_alignment: null,
          voice_segments: document.voice_segments,
        },
        audioStart: 0,
      },
    ]);
    expect([chunkTimes, chunks]).toEqual(['single', 1]);
    expectTimesEqual(out.alignment, full);
    expect(out.normalized_alignment).toBeNull();
  });

  it('decides once: a later jump back in an absolute answer stays visible, not "repaired"', () => {
    const chunks = chunked(0.75, false);
    const broken = chunks[3]?.chunk.alignment;
    if (!broken) throw new Error('fixture too short');
    broken.character_start_times_seconds = broken.character_start_times_seconds.map(() => 0.1);
    const { document: out, chunkTimes } = assemble(chunks);
    expect(chunkTimes).toBe('absolute');
    expect(out.alignment?.character_start_times_seconds).toContain(0.1);
  });

  it('merges segments repeated whole on every line', () => {
    const lines = chunked(0.75, false).map(({ chunk, audioStart }) => ({
      chunk: { ...chunk, voice_segments: document.voice_segments },
      audioStart,
    }));
    const { document: out, chunkTimes } = assemble(lines);
    expect(chunkTimes).toBe('absolute');
    expectSegmentsEqual(out.voice_segments, document.voice_segments);
  });
});
