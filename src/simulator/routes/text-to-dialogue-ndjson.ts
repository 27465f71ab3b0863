import type { AudioChunk } from '../audio/audio-chunks.ts';
import {
  roundMs,
  type CharacterAlignment,
  type DialogueTimeline,
  type VoiceSegment,
} from './text-to-dialogue-timeline.ts';

/**
 * The body of `/v1/text-to-dialogue/stream/with-timestamps`: newline-delimited JSON, one line
 * per audio piece with the alignment of the characters that start in it and the parts of the
 * voice segments they belong to. Whether upstream chunk times are absolute or relative to the
 * chunk is unconfirmed (upstream.md), so both are offered: `relative` shifts every time to the
 * chunk's start and every character index to the chunk's first character.
 */

export type DialogueChunkTimes = 'absolute' | 'relative';

function sliceAlignment(
  alignment: CharacterAlignment,
  from: number,
  to: number,
  shift: number,
): CharacterAlignment {
  const move = (times: number[]) => times.slice(from, to).map((t) => roundMs(t - shift));
  return {
    characters: alignment.characters.slice(from, to),
    character_start_times_seconds: move(alignment.character_start_times_seconds),
    character_end_times_seconds: move(alignment.character_end_times_seconds),
  };
}

/** The parts of `segments` that fall in characters [from, to), shifted like the alignment. */
function sliceSegments(
  timeline: DialogueTimeline,
  from: number,
  to: number,
  shift: { seconds: number; index: number },
): VoiceSegment[] {
  const { alignment } = timeline;
  return timeline.voiceSegments.flatMap((segment) => {
    const first = Math.max(from, segment.character_start_index);
    const end = Math.min(to, segment.character_end_index);
    if (first >= end) return [];
    const start = alignment.character_start_times_seconds[first] ?? 0;
    const stop = alignment.character_end_times_seconds[end - 1] ?? start;
    return [
      {
        ...segment,
        start_time_seconds: roundMs(start - shift.seconds),
        end_time_seconds: roundMs(stop - shift.seconds),
        character_start_index: first - shift.index,
        character_end_index: end - shift.index,
      },
    ];
  });
}

/** One NDJSON line per piece of `chunks`; characters go to the piece in which they start. */
export function dialogueNdjson(
  timeline: DialogueTimeline,
  chunks: readonly AudioChunk[],
  times: DialogueChunkTimes,
): Buffer {
  const starts = timeline.alignment.character_start_times_seconds;
  let next = 0;
  const lines = chunks.map((chunk, index) => {
    const from = next;
    const last = index === chunks.length - 1;
    while (next < starts.length && (last || (starts[next] ?? 0) < chunk.endSeconds)) next += 1;
    const relative = times === 'relative';
    const shift = { seconds: relative ? chunk.startSeconds : 0, index: relative ? from : 0 };
    const alignment =
      next > from ? sliceAlignment(timeline.alignment, from, next, shift.seconds) : null;
    return JSON.stringify({
      audio_base64: chunk.bytes.toString('base64'),
      alignment,
      normalized_alignment: alignment,
      voice_segments: sliceSegments(timeline, from, next, shift),
    });
  });
  return Buffer.from(lines.map((line) => `${line}\n`).join(''), 'utf8');
}
