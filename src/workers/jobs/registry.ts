import type { JobType } from '../../shared/jobs/job-types.ts';
import { dub } from './dub.ts';
import type { JobDefinition } from './job-definition.ts';
import { musicPlan } from './music-plan.ts';
import { music } from './music.ts';
import { speechToSpeech } from './speech-to-speech.ts';
import { stemSeparation } from './stem-separation.ts';
import { textToDialogue } from './text-to-dialogue.ts';

/**
 * One module per job type. Typed from the catalog: a type without a module fails `tsc`, and
 * the processor can never receive a type it has no handler for.
 */
export const jobRegistry = {
  speech_to_speech: speechToSpeech,
  text_to_dialogue: textToDialogue,
  music,
  music_plan: musicPlan,
  stem_separation: stemSeparation,
  dub,
} satisfies { [T in JobType]: JobDefinition<T> };

export function definitionFor<T extends JobType>(type: T): JobDefinition<T> {
  // TypeScript cannot correlate the indexed type with T; the `satisfies` above guarantees it.
  return jobRegistry[type] as unknown as JobDefinition<T>;
}
