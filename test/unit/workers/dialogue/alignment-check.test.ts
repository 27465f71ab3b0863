import { describe, expect, it } from 'vitest';
import { checkAlignment } from '../../../../src/workers/dialogue/alignment-check.ts';
import type { TimestampsDocument } from '../../../../src/workers/dialogue/dialogue-wire.ts';
import { documentOf } from './timeline-fixtures.ts';

const context = { chunkTimes: 'absolute' as const, chunks: 3, audioSeconds: 10 };

function healthy(): TimestampsDocument {
  return structuredClone(
    documentOf([
      { text: 'A healthy line of speech.', voice: 'A' },
      { text: 'And another one.', voice: 'B' },
    ]),
  );
}

describe('checkAlignment', () => {
  it('passes a healthy alignment', () => {
    const report = checkAlignment(healthy(), context);
    expect(report).toMatchObject({ ok: true, monotonic: true, problem_count: 0, problems: [] });
    expect(report.last_character_end_seconds).toBeCloseTo(2.35, 6);
    expect(report).toMatchObject({ chunk_times: 'absolute', chunks: 3, audio_seconds: 10 });
  });

  it('reports start times that go back', () => {
    const document = healthy();
    const starts = document.alignment?.character_start_times_seconds ?? [];
    starts[10] = 0.2;
    document.normalized_alignment = null;
    const report = checkAlignment(document, context);
    expect(report.ok).toBe(false);
    expect(report.monotonic).toBe(false);
    expect(report.problems).toContainEqual(
      expect.objectContaining({ track: 'alignment', kind: 'start_decreases', index: 10 }),
    );
  });

  it('reports the duplicate timestamps of a degraded long answer', () => {
    const document = healthy();
    document.normalized_alignment = null;
    const alignment = document.alignment;
    if (!alignment) throw new Error('fixture');
    for (let i = 20; i < 30; i++) {
      alignment.character_start_times_seconds[i] = 1;
      alignment.character_end_times_seconds[i] = 1;
    }
    const report = checkAlignment(document, context);
    expect(report.monotonic).toBe(false);
    const kinds = report.problems.map((problem) => problem.kind);
    expect(kinds).toContain('duplicate_times');
    expect(report.problems.find((p) => p.kind === 'duplicate_times')?.index).toBe(20);
  });

  it('reports characters ending before they start, length mismatches and text past the audio', () => {
    const document = healthy();
    document.normalized_alignment = null;
    const alignment = document.alignment;
    if (!alignment) throw new Error('fixture');
    alignment.character_end_times_seconds[3] = 0;
    alignment.character_start_times_seconds.pop();
    const report = checkAlignment(document, { ...context, audioSeconds: 1 });
    const kinds = report.problems.map((problem) => problem.kind);
    expect(kinds).toEqual(
      expect.arrayContaining(['end_before_start', 'length_mismatch', 'beyond_audio']),
    );
  });

  it('reports voice segments outside the characters or out of order', () => {
    const document = healthy();
    document.voice_segments.reverse();
    const first = document.voice_segments[0];
    if (!first) throw new Error('fixture');
    first.character_end_index = 999;
    const report = checkAlignment(document, context);
    const segmentKinds = report.problems
      .filter((p) => p.track === 'voice_segments')
      .map((p) => p.kind);
    expect(segmentKinds).toEqual(['segment_out_of_range', 'start_decreases']);
  });

  it('lists at most 20 problems but counts them all', () => {
    const document = healthy();
    const alignment = document.alignment;
    if (!alignment) throw new Error('fixture');
    alignment.character_start_times_seconds = alignment.character_start_times_seconds.map(
      (_, i) => 10 - i * 0.1,
    );
    const report = checkAlignment(document, context);
    expect(report.problems).toHaveLength(20);
    expect(report.problem_count).toBeGreaterThan(20);
  });
});
