import type { SimPlan } from './music-schemas.ts';

const MIN_MS = 3_000;
const MAX_MS = 120_000;

/**
 * What the plan schemas cannot say on their own, as [path under the plan, message] pairs: the
 * SDK's rules for a v2 chunk's text (an optional `[Section name]` of 1–100 characters, then at
 * most 30 lines of at most 200), and audio references whose range is empty or outside a
 * chunk's 3–120 s (the v1 section limits, which the SDK states for generated chunks).
 */
export function chunkProblems(plan: SimPlan): [(string | number)[], string][] {
  if (!('chunks' in plan)) return [];
  const problems: [(string | number)[], string][] = [];
  plan.chunks.forEach((chunk, index) => {
    if ('text' in chunk) {
      for (const message of textProblems(chunk.text))
        problems.push([['chunks', index, 'text'], message]);
      return;
    }
    const length = chunk.range.end_ms - chunk.range.start_ms;
    if (length < MIN_MS || length > MAX_MS) {
      problems.push([['chunks', index, 'range'], `the range must span ${MIN_MS} to ${MAX_MS} ms`]);
    }
  });
  return problems;
}

/** The section name (if any) and the lyrics lines of a chunk's text. */
export function splitChunkText(text: string): { name: string | null; lines: string[] } {
  const header = /^\[([^\]\n]*)\]\n?/.exec(text);
  const body = header ? text.slice(header[0].length) : text;
  return { name: header ? (header[1] ?? '') : null, lines: body === '' ? [] : body.split('\n') };
}

function textProblems(text: string): string[] {
  const { name, lines } = splitChunkText(text);
  const problems: string[] = [];
  if (name !== null && (name.length < 1 || name.length > 100))
    problems.push('section names must be between 1 and 100 characters');
  if (lines.length > 30) problems.push('at most 30 lines are allowed');
  if (lines.some((line) => line.length > 200)) problems.push('lines may be at most 200 characters');
  return problems;
}
