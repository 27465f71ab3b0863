import { z } from 'zod';
import { speechToSpeechRequestSchema } from './speech-to-speech.ts';

/**
 * A job request as `POST /v1/jobs` takes it: a union discriminated on `type`. The parsed output
 * is the normalized request (upstream defaults filled in), which is what the fingerprint hashes
 * and the job records.
 */
export const jobRequestSchema = z.discriminatedUnion('type', [speechToSpeechRequestSchema]);

export type JobRequestInput = z.input<typeof jobRequestSchema>;
export type JobRequest = z.output<typeof jobRequestSchema>;
