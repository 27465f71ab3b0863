import type { JobRequest } from './job-request.ts';
import { randomSeed } from './seeds.ts';

/** The music endpoints take seeds up to 2^31 − 1; the others up to 2^32 − 1 (upstream.md). */
export const INT31_MAX = 2_147_483_647;

/**
 * The seed a job sends upstream: the caller's, or a random one fixed at intake and recorded,
 * so a rerun can send the same. Null where the upstream takes none: music in prompt mode (a
 * seed is an error there; its reproducibility comes from the fingerprint cache), composition
 * plans and stem separation.
 */
export function seedFor(request: JobRequest): number | null {
  switch (request.type) {
    case 'speech_to_speech':
    case 'text_to_dialogue':
    case 'dub':
      return request.params.seed ?? randomSeed();
    case 'music':
      if (request.params.composition_plan === undefined) return null;
      return request.params.seed ?? randomSeed(INT31_MAX);
    case 'music_plan':
    case 'stem_separation':
      return null;
  }
}

/** The request with the seed written into its params (omitted when the upstream takes none). */
export function withSeed(request: JobRequest, seed: number | null): JobRequest {
  if (seed === null) return request;
  return { ...request, params: { ...request.params, seed } } as JobRequest;
}
