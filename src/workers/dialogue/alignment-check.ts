import type { CharacterAlignment, TimestampsDocument } from './dialogue-wire.ts';
import type { ChunkTimes } from './timestamps-assembler.ts';

/**
 * Checks the reassembled timing. Users report alignment degrading on long inputs (duplicate
 * timestamps past ~60 s, upstream.md); such a job still has good audio, so it succeeds, and
 * this report (in the `timestamps` output and the job's `result`) says what is wrong.
 */

export type AlignmentProblemKind =
  | 'length_mismatch'
  | 'invalid_time'
  | 'end_before_start'
  | 'start_decreases'
  | 'duplicate_times'
  | 'beyond_audio'
  | 'segment_out_of_range';

export interface AlignmentProblem {
  track: 'alignment' | 'normalized_alignment' | 'voice_segments';
  kind: AlignmentProblemKind;
  /** Character (or segment) index where it was found. */
  index: number;
  time_seconds: number | null;
  message: string;
}

export interface AlignmentReport {
  /** No problem of any kind. */
  ok: boolean;
  /**
   * Start times never go back nor stall ({@link DUPLICATE_RUN} characters on one time), and
   * no character ends before it starts.
   */
  monotonic: boolean;
  problem_count: number;
  /** The first {@link MAX_LISTED_PROBLEMS}. */
  problems: AlignmentProblem[];
  chunk_times: ChunkTimes;
  chunks: number;
  audio_seconds: number | null;
  last_character_end_seconds: number | null;
}

export const MAX_LISTED_PROBLEMS = 20;
/** This many characters in a row sharing one start time is a stall, not speech. */
export const DUPLICATE_RUN = 4;
// Rounding slack on time comparisons, and how far text may run past the audio's end (mp3
// frames round the audio to ~26 ms; more than this means the alignment is off).
const EPSILON = 1e-6;
const AUDIO_SLACK_SECONDS = 0.25;

type Track = AlignmentProblem['track'];

function checkTrack(track: Track, alignment: CharacterAlignment, out: AlignmentProblem[]): void {
  const { characters, character_start_times_seconds: starts } = alignment;
  const ends = alignment.character_end_times_seconds;
  const add = (kind: AlignmentProblemKind, index: number, time: number | null, message: string) =>
    out.push({ track, kind, index, time_seconds: time ?? null, message });
  if (starts.length !== characters.length || ends.length !== characters.length) {
    const counts = `${characters.length} characters, ${starts.length} starts, ${ends.length} ends`;
    add('length_mismatch', 0, null, counts);
  }
  let run = 1;
  for (let i = 0; i < Math.min(starts.length, ends.length); i++) {
    const start = starts[i] ?? NaN;
    const end = ends[i] ?? NaN;
    const previous = i > 0 ? (starts[i - 1] ?? NaN) : null;
    if (!(start >= 0) || !(end >= 0)) add('invalid_time', i, null, 'negative or missing time');
    if (end < start - EPSILON) add('end_before_start', i, start, `ends at ${end} s`);
    if (previous !== null && start < previous - EPSILON) {
      add('start_decreases', i, start, `starts before the previous character (${previous} s)`);
    }
    run = previous !== null && Math.abs(start - previous) <= EPSILON ? run + 1 : 1;
    if (run === DUPLICATE_RUN) {
      add('duplicate_times', i - run + 1, start, `${run}+ characters share one start time`);
    }
  }
}

function checkSegments(document: TimestampsDocument, out: AlignmentProblem[]): void {
  const characters = (document.alignment ?? document.normalized_alignment)?.characters.length;
  document.voice_segments.forEach((segment, index) => {
    const { start_time_seconds: start, end_time_seconds: end } = segment;
    const add = (kind: AlignmentProblemKind, message: string) =>
      out.push({ track: 'voice_segments', kind, index, time_seconds: start, message });
    if (end < start - EPSILON) add('end_before_start', `ends at ${end} s`);
    const from = segment.character_start_index;
    const to = segment.character_end_index;
    if (from < 0 || to < from || (characters !== undefined && to > characters)) {
      add('segment_out_of_range', `characters [${from}, ${to}) of ${characters ?? 'none'}`);
    }
    const previous = document.voice_segments[index - 1];
    if (previous && start < previous.start_time_seconds - EPSILON) {
      add('start_decreases', `starts before segment ${index - 1}`);
    }
  });
}

function lastEnd(document: TimestampsDocument): number | null {
  const ends = (document.alignment ?? document.normalized_alignment)?.character_end_times_seconds;
  return ends && ends.length > 0 ? ends.reduce((a, b) => Math.max(a, b)) : null;
}

/** The report for `document`, whose audio lasts `audioSeconds` (null when unknown). */
export function checkAlignment(
  document: TimestampsDocument,
  context: { chunkTimes: ChunkTimes; chunks: number; audioSeconds: number | null },
): AlignmentReport {
  const problems: AlignmentProblem[] = [];
  if (document.alignment) checkTrack('alignment', document.alignment, problems);
  if (document.normalized_alignment) {
    checkTrack('normalized_alignment', document.normalized_alignment, problems);
  }
  checkSegments(document, problems);
  const last = lastEnd(document);
  const audio = context.audioSeconds;
  if (audio !== null && last !== null && last > audio + AUDIO_SLACK_SECONDS) {
    const message = `text ends at ${last} s, the audio at ${audio} s`;
    problems.push({
      track: 'alignment',
      kind: 'beyond_audio',
      index: 0,
      time_seconds: last,
      message,
    });
  }
  const breaking = new Set<AlignmentProblemKind>([
    'start_decreases',
    'end_before_start',
    'duplicate_times',
  ]);
  return {
    ok: problems.length === 0,
    monotonic: !problems.some((problem) => breaking.has(problem.kind)),
    problem_count: problems.length,
    problems: problems.slice(0, MAX_LISTED_PROBLEMS),
    chunk_times: context.chunkTimes,
    chunks: context.chunks,
    audio_seconds: audio,
    last_character_end_seconds: last,
  };
}
