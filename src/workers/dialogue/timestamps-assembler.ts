import type {
  CharacterAlignment,
  DialogueChunk,
  TimestampsDocument,
  VoiceSegment,
} from './dialogue-wire.ts';

/**
 * Reassembles the chunks of a timestamped dialogue answer into one document with absolute
 * times. Whether streamed chunk times are absolute or relative to their chunk is unconfirmed
 * upstream (upstream.md), so it is detected:
 *
 * - a chunk whose first time is earlier than the previous chunk's last end time, by more than
 *   {@link RELATIVE_TOLERANCE_SECONDS}, is relative (absolute times never go back that far in
 *   a healthy answer); otherwise absolute. When no earlier chunk carried times, the audio that
 *   preceded it is the reference instead.
 * - the decision is taken once, on the first chunk that can settle it, and then holds for the
 *   whole answer: the upstream uses one convention per response, and deciding per chunk would
 *   "repair" the degraded alignment of long inputs (duplicates past ~60 s) into plausible
 *   nonsense instead of letting the alignment check report it.
 * - relative chunks are shifted by the audio that preceded them, as measured from the decoded
 *   bytes (see audio-clock.ts); where the format cannot be measured, by the previous chunk's
 *   last end time, which undercounts by any trailing silence.
 *
 * Voice segments are shifted likewise; their character indices are taken as chunk-relative
 * when they start before the characters already received yet fit inside the chunk's own.
 * Pieces of one segment spread over several chunks (or repeated on each) are merged by
 * dialogue input and voice.
 */

/** How far a chunk's first time may fall short of the previous end and still be absolute. */
export const RELATIVE_TOLERANCE_SECONDS = 0.05;

/** `single`: one JSON answer (or one chunk), so the question did not arise. */
export type ChunkTimes = 'single' | 'absolute' | 'relative';

export interface AssembledTimestamps {
  document: TimestampsDocument;
  chunkTimes: ChunkTimes;
  chunks: number;
}

// Upstream times carry about millisecond precision; this drops the float noise of offsetting.
const round = (seconds: number): number => Math.round(seconds * 1e6) / 1e6;

class Track {
  readonly characters: string[] = [];
  readonly starts: number[] = [];
  readonly ends: number[] = [];
  seen = false;

  append(alignment: CharacterAlignment | null | undefined, offset: number): void {
    if (!alignment) return;
    this.seen = true;
    this.characters.push(...alignment.characters);
    for (const t of alignment.character_start_times_seconds) this.starts.push(round(t + offset));
    for (const t of alignment.character_end_times_seconds) this.ends.push(round(t + offset));
  }

  toAlignment(): CharacterAlignment | null {
    if (!this.seen) return null;
    return {
      characters: this.characters,
      character_start_times_seconds: this.starts,
      character_end_times_seconds: this.ends,
    };
  }
}

function firstTime(chunk: DialogueChunk): number | null {
  const start =
    chunk.alignment?.character_start_times_seconds[0] ??
    chunk.normalized_alignment?.character_start_times_seconds[0];
  if (start !== undefined) return start;
  const segmentStarts = chunk.voice_segments.map((segment) => segment.start_time_seconds);
  return segmentStarts.length > 0 ? Math.min(...segmentStarts) : null;
}

/** The chunk's latest time: from its characters, or from its segments if it has none. */
function lastTime(chunk: DialogueChunk): number | null {
  const ends =
    chunk.alignment?.character_end_times_seconds ??
    chunk.normalized_alignment?.character_end_times_seconds ??
    chunk.voice_segments.map((segment) => segment.end_time_seconds);
  return ends.length > 0 ? ends.reduce((a, b) => Math.max(a, b)) : null;
}

/** Feeds chunks in arrival order; `finish()` returns the whole document. */
export class TimestampsAssembler {
  private readonly alignment = new Track();
  private readonly normalized = new Track();
  private readonly segments = new Map<string, VoiceSegment>();
  private mode: 'undecided' | 'absolute' | 'relative' = 'undecided';
  private lastEnd: number | null = null;
  private chunks = 0;

  /** `audioStartSeconds`: audio received before this chunk's, or null if unmeasurable. */
  add(chunk: DialogueChunk, audioStartSeconds: number | null): void {
    const offset = this.offsetFor(chunk, audioStartSeconds);
    const track = this.alignment.seen || chunk.alignment ? this.alignment : this.normalized;
    const charsBefore = track.characters.length;
    this.alignment.append(chunk.alignment, offset);
    this.normalized.append(chunk.normalized_alignment, offset);
    this.addSegments(chunk, offset, charsBefore);
    const last = lastTime(chunk);
    if (last !== null) this.lastEnd = Math.max(this.lastEnd ?? 0, last + offset);
    this.chunks += 1;
  }

  finish(): AssembledTimestamps {
    const voiceSegments = [...this.segments.values()].sort(
      (a, b) =>
        a.character_start_index - b.character_start_index ||
        a.start_time_seconds - b.start_time_seconds,
    );
    const decided = this.mode === 'undecided' ? 'absolute' : this.mode;
    return {
      document: {
        alignment: this.alignment.toAlignment(),
        normalized_alignment: this.normalized.toAlignment(),
        voice_segments: voiceSegments,
      },
      chunkTimes: this.chunks <= 1 ? 'single' : decided,
      chunks: this.chunks,
    };
  }

  private offsetFor(chunk: DialogueChunk, audioStart: number | null): number {
    const first = firstTime(chunk);
    if (this.chunks === 0 || first === null) return 0;
    if (this.mode === 'undecided') {
      const reference = this.lastEnd ?? audioStart ?? 0;
      // Too little behind us to tell "starts at zero" from "continues": decide later.
      if (reference > RELATIVE_TOLERANCE_SECONDS) {
        this.mode = first < reference - RELATIVE_TOLERANCE_SECONDS ? 'relative' : 'absolute';
      }
    }
    return this.mode === 'relative' ? (audioStart ?? this.lastEnd ?? 0) : 0;
  }

  private addSegments(chunk: DialogueChunk, offset: number, charsBefore: number): void {
    const pieces = chunk.voice_segments;
    if (pieces.length === 0) return;
    const chunkChars =
      chunk.alignment?.characters.length ?? chunk.normalized_alignment?.characters.length ?? 0;
    const minStart = Math.min(...pieces.map((s) => s.character_start_index));
    const maxEnd = Math.max(...pieces.map((s) => s.character_end_index));
    const relative = this.chunks > 0 && minStart < charsBefore && maxEnd <= chunkChars;
    const shift = relative ? charsBefore : 0;
    for (const piece of pieces) {
      const shifted: VoiceSegment = {
        ...piece,
        start_time_seconds: round(piece.start_time_seconds + offset),
        end_time_seconds: round(piece.end_time_seconds + offset),
        character_start_index: piece.character_start_index + shift,
        character_end_index: piece.character_end_index + shift,
      };
      const key = `${piece.dialogue_input_index}\u0000${piece.voice_id}`;
      const known = this.segments.get(key);
      this.segments.set(key, known ? mergeSegments(known, shifted) : shifted);
    }
  }
}

function mergeSegments(a: VoiceSegment, b: VoiceSegment): VoiceSegment {
  return {
    ...a,
    start_time_seconds: Math.min(a.start_time_seconds, b.start_time_seconds),
    end_time_seconds: Math.max(a.end_time_seconds, b.end_time_seconds),
    character_start_index: Math.min(a.character_start_index, b.character_start_index),
    character_end_index: Math.max(a.character_end_index, b.character_end_index),
  };
}
