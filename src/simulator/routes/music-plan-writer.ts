import { createPrng, type Prng } from '../prng.ts';
import type { ChunkPlan, MusicModel, SectionPlan, SimPlan } from './music-schemas.ts';

/**
 * The simulator's composer: a plan from a prompt, as `POST /v1/music/plan` returns it and as a
 * prompt-mode song is built from. Deterministic for its inputs; durations are whole ms that
 * sum to exactly the requested length, each part within the upstream's 3–120 s.
 */

/** Length of a song when the prompt request names none (the upstream lets its model choose). */
export const DEFAULT_SONG_MS = 30_000;

export interface PlanBrief {
  prompt: string;
  lengthMs: number;
  model: MusicModel;
  instrumental: boolean;
  /** A plan to build on (`source_composition_plan`): its styles and section names are kept. */
  source: SimPlan | null;
  /** ≥ 16 bytes; picks the lines and local styles. */
  seed: Uint8Array;
}

interface Part {
  name: string;
  durationMs: number;
  localStyle: string;
  lines: string[];
}

const LOCAL_STYLES = [
  'sparse arrangement',
  'building energy',
  'full band',
  'soft dynamics',
  'driving rhythm',
];
const WORDS = [
  'night',
  'city',
  'light',
  'we',
  'run',
  'through',
  'the',
  'rain',
  'hearts',
  'open',
  'sky',
  'fire',
  'home',
  'again',
  'slow',
  'dancing',
  'echo',
  'gold',
];

export function writePlan(brief: PlanBrief): SimPlan {
  const prng = createPrng(brief.seed);
  const names = sourceNames(brief.source);
  const durations = splitDuration(
    brief.lengthMs,
    names.length || Math.ceil(brief.lengthMs / 30_000),
  );
  const parts: Part[] = durations.map((durationMs, index) => {
    const name = names[index % Math.max(1, names.length)] ?? partName(index, durations.length);
    const sung = !brief.instrumental && !/intro|outro/i.test(name);
    return {
      name,
      durationMs,
      localStyle: pick(prng, LOCAL_STYLES),
      lines: sung ? lyrics(prng) : [],
    };
  });
  const styles = [...new Set([...promptStyles(brief.prompt), ...sourceStyles(brief.source)])].slice(
    0,
    50,
  );
  return brief.model === 'music_v1' ? sectionPlan(parts, styles) : chunkPlan(parts, styles);
}

/** `total` ms in `wanted` parts or as few more or less as the 3–120 s bounds demand. */
export function splitDuration(total: number, wanted: number): number[] {
  const fewest = Math.ceil(total / 120_000);
  const most = Math.max(1, Math.min(30, Math.floor(total / 3_000)));
  const count = Math.min(most, Math.max(fewest, wanted, 1));
  const base = Math.floor(total / count);
  return Array.from({ length: count }, (_, i) =>
    i === count - 1 ? total - base * (count - 1) : base,
  );
}

function sectionPlan(parts: Part[], styles: string[]): SectionPlan {
  return {
    positive_global_styles: styles,
    negative_global_styles: [],
    sections: parts.map((part) => ({
      section_name: part.name,
      positive_local_styles: [part.localStyle],
      negative_local_styles: [],
      duration_ms: part.durationMs,
      lines: part.lines,
    })),
  };
}

function chunkPlan(parts: Part[], styles: string[]): ChunkPlan {
  return {
    chunks: parts.map((part, index) => ({
      text: [`[${part.name}]`, ...part.lines].join('\n'),
      duration_ms: part.durationMs,
      // The first chunk sets the song's direction (SDK guidance); later ones add nuance.
      positive_styles: index === 0 ? [...styles, part.localStyle] : [part.localStyle],
      negative_styles: [],
    })),
  };
}

function partName(index: number, count: number): string {
  if (count >= 3 && index === 0) return 'Intro';
  if (count >= 3 && index === count - 1) return 'Outro';
  const position = count >= 3 ? index - 1 : index;
  if (position % 4 === 3) return 'Bridge';
  return position % 2 === 0 ? `Verse ${Math.floor(position / 2) + 1}` : 'Chorus';
}

function promptStyles(prompt: string): string[] {
  const phrases = prompt
    .split(/[,.;]|\band\b|\bwith\b/i)
    .map((phrase) => phrase.trim().toLowerCase())
    .filter((phrase) => phrase.length > 0 && phrase.length <= 60);
  return [...phrases.slice(0, 6), 'great production quality'];
}

function sourceNames(source: SimPlan | null): string[] {
  if (!source) return [];
  if ('sections' in source) return source.sections.map((section) => section.section_name);
  return source.chunks.map((chunk, i) =>
    'text' in chunk
      ? (/^\[([^\]\n]+)\]/.exec(chunk.text)?.[1] ?? `Part ${i + 1}`)
      : `Part ${i + 1}`,
  );
}

function sourceStyles(source: SimPlan | null): string[] {
  if (!source) return [];
  if ('sections' in source) return source.positive_global_styles;
  const first = source.chunks[0];
  return first && 'text' in first ? first.positive_styles : [];
}

function lyrics(prng: Prng): string[] {
  const count = 2 + Math.floor(prng.next() * 3);
  return Array.from({ length: count }, () => {
    const words = 4 + Math.floor(prng.next() * 4);
    const line = Array.from({ length: words }, () => pick(prng, WORDS)).join(' ');
    return line.charAt(0).toUpperCase() + line.slice(1);
  });
}

function pick<T>(prng: Prng, items: readonly T[]): T {
  const item = items[Math.floor(prng.next() * items.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
}
