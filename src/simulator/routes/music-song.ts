import { renderAudio } from '../audio/render-audio.ts';
import { hashParts } from '../prng.ts';
import { splitChunkText } from './music-chunk-rules.ts';
import { DEFAULT_SONG_MS, writePlan } from './music-plan-writer.ts';
import type { ComposeRequest } from './music-request.ts';
import { simPlanDurationMs, type SimPlan } from './music-schemas.ts';

/**
 * One generated song: its plan (given, or written from the prompt), audio exactly as long as
 * the plan (mp3 to the nearest frame), and what the detailed endpoint tells about it.
 * Deterministic for the request and seed; unlike the upstream, a prompt without a seed is
 * deterministic too, so tests can predict every byte.
 */
export interface Song {
  songId: string;
  plan: SimPlan;
  durationMs: number;
  audio: Buffer;
  metadata: SongMetadata;
  /** Null for an instrumental song (no lyrics). */
  words: WordTimestamp[] | null;
}

export interface SongMetadata {
  title: string;
  description: string;
  genres: string[];
  languages: string[];
  is_explicit: boolean;
}

export interface WordTimestamp {
  word: string;
  start_ms: number;
  end_ms: number;
}

const GENRES = [
  'pop',
  'rock',
  'jazz',
  'hip hop',
  'electronic',
  'classical',
  'folk',
  'country',
  'metal',
  'ambient',
  'lo-fi',
  'orchestral',
  'funk',
  'soul',
  'blues',
  'techno',
  'house',
  'synthwave',
  'indie',
];

export async function composeSong(request: ComposeRequest): Promise<Song> {
  const seed = songSeed(request);
  const plan =
    request.plan ??
    writePlan({
      prompt: request.prompt ?? '',
      lengthMs: request.musicLengthMs ?? DEFAULT_SONG_MS,
      model: request.model,
      instrumental: request.forceInstrumental,
      source: null,
      seed,
    });
  const durationMs = simPlanDurationMs(plan);
  const words = wordTimestamps(plan);
  return {
    songId: songIdOf(seed),
    plan,
    durationMs,
    audio: await renderAudio(request.format, durationMs / 1000, seed),
    metadata: songMetadata(request.prompt, plan, words !== null),
    words,
  };
}

/** Everything that changes the song; the output format only changes its encoding. */
function songSeed(request: ComposeRequest): Uint8Array {
  return hashParts([
    'music',
    request.model,
    request.prompt ?? '',
    JSON.stringify(request.plan),
    String(request.musicLengthMs),
    String(request.forceInstrumental),
    String(request.seed),
  ]);
}

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function songIdOf(seed: Uint8Array): string {
  const bytes = hashParts(['song-id', seed]);
  return Array.from(bytes.subarray(0, 20), (byte) => ID_ALPHABET[byte % ID_ALPHABET.length]).join(
    '',
  );
}

/** The plan's parts as [lyrics lines, duration]. */
function partsOf(plan: SimPlan): [string[], number][] {
  if ('sections' in plan) return plan.sections.map((s) => [s.lines, s.duration_ms]);
  return plan.chunks.map((chunk) =>
    'text' in chunk
      ? [splitChunkText(chunk.text).lines, chunk.duration_ms]
      : [[], chunk.range.end_ms - chunk.range.start_ms],
  );
}

/** Each part's lines spread evenly over the part, each line's words over its share. */
function wordTimestamps(plan: SimPlan): WordTimestamp[] | null {
  const words: WordTimestamp[] = [];
  let partStart = 0;
  for (const [lines, duration] of partsOf(plan)) {
    const lineMs = duration / Math.max(1, lines.length);
    lines.forEach((line, lineIndex) => {
      const lineWords = line.split(/\s+/).filter((word) => word !== '' && !word.startsWith('{'));
      const wordMs = lineMs / Math.max(1, lineWords.length);
      lineWords.forEach((word, i) => {
        const start = partStart + lineIndex * lineMs + i * wordMs;
        words.push({ word, start_ms: Math.round(start), end_ms: Math.round(start + wordMs) });
      });
    });
    partStart += duration;
  }
  return words.length > 0 ? words : null;
}

function songMetadata(prompt: string | null, plan: SimPlan, sung: boolean): SongMetadata {
  const styles = planStyles(plan);
  const text = [prompt ?? '', ...styles].join(' ').toLowerCase();
  const seconds = Math.round(simPlanDurationMs(plan) / 1000);
  const genres = GENRES.filter((genre) => text.includes(genre)).slice(0, 3);
  return {
    title: titleOf(prompt ?? styles[0] ?? ''),
    description: prompt
      ? `A ${seconds}-second song: ${prompt}`
      : `A ${seconds}-second song in ${styles.join(', ') || 'an open style'}.`,
    genres: genres.length > 0 ? genres : ['pop'],
    languages: sung ? ['en'] : [],
    is_explicit: false,
  };
}

function planStyles(plan: SimPlan): string[] {
  if ('sections' in plan) return plan.positive_global_styles;
  for (const chunk of plan.chunks) if ('text' in chunk) return chunk.positive_styles;
  return [];
}

/** The first four words, title-cased. */
function titleOf(source: string): string {
  const words = source
    .replace(/[^\p{L}\p{N} ]/gu, ' ')
    .split(/\s+/)
    .filter(Boolean);
  const title = words
    .slice(0, 4)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1).toLowerCase())
    .join(' ');
  return title || 'Untitled';
}
