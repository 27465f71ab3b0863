import type { CharacterAlignment, TimestampsDocument } from './dialogue-wire.ts';

/**
 * Caption cues from the character timing: one or more cues per voice segment, long segments
 * split at word boundaries so a cue stays readable.
 */

export interface CaptionCue {
  voiceId: string;
  start: number;
  end: number;
  text: string;
}

export interface CueLimits {
  /** Longest cue on screen, seconds. */
  maxSeconds: number;
  /** Longest cue text, characters (two subtitle lines of 42). */
  maxChars: number;
}

/** Common subtitle guidance: at most ~7 s and two lines of 42 characters. */
export const DEFAULT_CUE_LIMITS: CueLimits = { maxSeconds: 7, maxChars: 84 };

// A cue whose times collapse (zero-length characters) still needs a visible duration.
const MIN_CUE_SECONDS = 0.01;

interface Word {
  text: string;
  start: number;
  end: number;
}

/**
 * The words of characters [from, to), each timed from its first to its last character.
 * eleven_v3 audio tags (`[laughs]`, `[whispers]`) are direction, not speech: left out.
 */
function wordsOf(alignment: CharacterAlignment, from: number, to: number): Word[] {
  const words: Word[] = [];
  let current: Word | null = null;
  let tagDepth = 0;
  for (let i = from; i < to; i++) {
    const char = alignment.characters[i] ?? '';
    const start = alignment.character_start_times_seconds[i] ?? NaN;
    const end = alignment.character_end_times_seconds[i] ?? NaN;
    if (char === '[') tagDepth += 1;
    const inTag = tagDepth > 0;
    if (char === ']' && tagDepth > 0) tagDepth -= 1;
    const breaks = inTag || /^\s*$/.test(char) || !Number.isFinite(start) || !Number.isFinite(end);
    if (breaks) {
      if (current) words.push(current);
      current = null;
    } else if (current) {
      current.text += char;
      current.end = Math.max(current.end, end);
    } else current = { text: char, start, end };
  }
  if (current) words.push(current);
  return words;
}

/** Greedy packing: a word opens a new cue when adding it would break a limit. */
function packWords(words: readonly Word[], limits: CueLimits): Word[][] {
  const groups: Word[][] = [];
  let group: Word[] = [];
  let length = 0;
  for (const word of words) {
    const first = group[0];
    const tooLong = length + 1 + word.text.length > limits.maxChars;
    const tooSlow = first !== undefined && word.end - first.start > limits.maxSeconds;
    if (first !== undefined && (tooLong || tooSlow)) {
      groups.push(group);
      group = [];
      length = 0;
    }
    length += (group.length > 0 ? 1 : 0) + word.text.length;
    group.push(word);
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

/** Cues for every voice segment of `document`, in time order. */
export function buildCaptionCues(
  document: TimestampsDocument,
  limits: CueLimits = DEFAULT_CUE_LIMITS,
): CaptionCue[] {
  // Segment indices point into the original text; the normalized one is the fallback.
  const alignment = document.alignment ?? document.normalized_alignment;
  if (!alignment) return [];
  const cues: CaptionCue[] = [];
  for (const segment of document.voice_segments) {
    const from = Math.max(0, segment.character_start_index);
    const to = Math.min(alignment.characters.length, segment.character_end_index);
    for (const group of packWords(wordsOf(alignment, from, to), limits)) {
      const start = group[0]?.start ?? 0;
      const end = group.reduce((latest, word) => Math.max(latest, word.end), start);
      cues.push({
        voiceId: segment.voice_id,
        start,
        end: Math.max(end, start + MIN_CUE_SECONDS),
        text: group.map((word) => word.text).join(' '),
      });
    }
  }
  // Players expect cues in start order; a broken alignment may not give it.
  return cues.sort((a, b) => a.start - b.start);
}
