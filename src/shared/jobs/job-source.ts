import { z } from 'zod';

/**
 * How a job came in: `POST /v1/jobs` (`api`), a batch item (`batch`), or a call on the
 * upstream's own routes (`gateway`, src/gateway). Shown on the job so a tenant can tell the
 * calls its ElevenLabs SDK code made from the jobs it submitted.
 */
export const JOB_SOURCES = ['api', 'batch', 'gateway'] as const;
export const jobSourceSchema = z.enum(JOB_SOURCES);
export type JobSource = z.infer<typeof jobSourceSchema>;
