import type { SimulatorConfig } from '../config.ts';
import { UpstreamHttpError, currentErrorBody } from '../upstream-errors.ts';
import type { SimPlan } from './music-schemas.ts';

/**
 * The upstream refuses prompts and plans that name copyrighted artists, suggesting a rewrite
 * (`bad_prompt` with `data.prompt_suggestion`, `bad_composition_plan` with a suggested plan),
 * and refuses music to free plans (402 `limited_access`). The simulator's trigger: one of the
 * artist names below as whole words, anywhere in the prompt or in any text of the plan, in any
 * letter case.
 */
export const FLAGGED_ARTISTS: readonly (readonly [RegExp, string])[] = [
  [wholeWords('taylor swift'), 'a contemporary pop singer-songwriter'],
  [wholeWords('the beatles'), 'a 1960s British guitar band'],
  [wholeWords('beyonc[eé]'), 'a powerful R&B vocalist'],
  [wholeWords('eminem'), 'a rapid-fire rapper'],
];

/** `pattern` as whole words, any case (`\b` knows no letters beyond ASCII, hence lookarounds). */
function wholeWords(pattern: string): RegExp {
  return new RegExp(`(?<![\\p{L}\\p{N}])${pattern}(?![\\p{L}\\p{N}])`, 'giu');
}

/** `text` with every flagged name replaced by a description, and the names found. */
export function scrubArtists(text: string): { text: string; found: string[] } {
  const found: string[] = [];
  let clean = text;
  for (const [pattern, description] of FLAGGED_ARTISTS) {
    clean = clean.replace(pattern, (name) => {
      found.push(name);
      return description;
    });
  }
  return { text: clean, found };
}

/** 402 for a free plan: music is for paid subscriptions only. */
export function checkMusicAccess(config: SimulatorConfig, requestId: string): void {
  if (config.plan === 'paid') return;
  throw new UpstreamHttpError(
    402,
    currentErrorBody(
      {
        type: 'invalid_request_error',
        code: 'limited_access',
        message: 'Music generation is not available on the free plan. Upgrade to use this API.',
      },
      requestId,
    ),
  );
}

/** 400 bad_prompt when the prompt names a flagged artist. */
export function checkPrompt(prompt: string, requestId: string): void {
  const { text, found } = scrubArtists(prompt);
  if (found.length === 0) return;
  const message = `The prompt references copyrighted material (${found.join(', ')}). Use the suggested prompt instead.`;
  throw refusal('bad_prompt', 'prompt', message, { prompt_suggestion: text }, requestId);
}

/** 400 bad_composition_plan when any text of the plan names a flagged artist. */
export function checkPlan(plan: SimPlan, param: string, requestId: string): void {
  const found: string[] = [];
  const suggestion = mapStrings(plan, (value) => {
    const scrubbed = scrubArtists(value);
    found.push(...scrubbed.found);
    return scrubbed.text;
  });
  if (found.length === 0) return;
  const message = `The composition plan references copyrighted material (${found.join(', ')}). Use the suggested plan instead.`;
  const data = { composition_plan_suggestion: suggestion };
  throw refusal('bad_composition_plan', param, message, data, requestId);
}

function refusal(
  code: string,
  param: string,
  message: string,
  data: object,
  requestId: string,
): UpstreamHttpError {
  const body = currentErrorBody({ type: 'invalid_request_error', code, message, param }, requestId);
  const detail = (body as { detail: object }).detail;
  return new UpstreamHttpError(400, { detail: { ...detail, data } });
}

/** A deep copy of `value` with every string passed through `map`. */
function mapStrings(value: unknown, map: (text: string) => string): unknown {
  if (typeof value === 'string') return map(value);
  if (Array.isArray(value)) return value.map((item: unknown) => mapStrings(item, map));
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).map(([key, item]) => [key, mapStrings(item, map)]);
    return Object.fromEntries(entries) as unknown;
  }
  return value;
}
