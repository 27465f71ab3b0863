import type { JobType } from '../../shared/jobs/job-types.ts';
import type { JobDefinition } from './job-definition.ts';
import { speechToSpeech } from './speech-to-speech.ts';

/**
 * One module per job type. Typed from the catalog: a type without a module fails `tsc`, and
 * the processor can never receive a type it has no handler for.
 */
export const jobRegistry = {
  speech_to_speech: speechToSpeech,
} satisfies { [T in JobType]: JobDefinition<T> };

export function definitionFor<T extends JobType>(type: T): JobDefinition<T> {
  // TypeScript cannot correlate the indexed type with T; the `satisfies` above guarantees it.
  return jobRegistry[type] as unknown as JobDefinition<T>;
}
