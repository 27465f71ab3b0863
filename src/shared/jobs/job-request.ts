import { z } from 'zod';
import { dubRequestSchema } from './dub.ts';
import { musicPlanRequestSchema } from './music-plan.ts';
import { musicRequestSchema } from './music.ts';
import { speechToSpeechRequestSchema } from './speech-to-speech.ts';
import { stemSeparationRequestSchema } from './stem-separation.ts';
import { textToDialogueRequestSchema } from './text-to-dialogue.ts';

/**
 * A job request as `POST /v1/jobs` takes it: a union discriminated on `type`. The parsed output
 * is the normalized request (upstream defaults filled in), which is what the fingerprint hashes
 * and the job records.
 */
export const jobRequestSchema = z.discriminatedUnion('type', [
  speechToSpeechRequestSchema,
  textToDialogueRequestSchema,
  musicRequestSchema,
  musicPlanRequestSchema,
  stemSeparationRequestSchema,
  dubRequestSchema,
]);

export type JobRequestInput = z.input<typeof jobRequestSchema>;
export type JobRequest = z.output<typeof jobRequestSchema>;
