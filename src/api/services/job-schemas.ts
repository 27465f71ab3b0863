import { z } from 'zod';
import { JOB_TYPES } from '../../shared/jobs/job-types.ts';
import { jobEstimateSchema } from '../../shared/usage/estimate.ts';
import { dryRunParamSchema } from '../schemas.ts';

/** `POST /v1/jobs` query. */
export const jobCreateQuerySchema = z.object({ dry_run: dryRunParamSchema }).strict();

/** What a job dry run answers: the request would be accepted, and what it should cost. */
export const jobDryRunSchema = z.object({
  object: z.literal('job_validation'),
  valid: z.literal(true),
  type: z.enum(JOB_TYPES),
  estimate: jobEstimateSchema,
});
export type JobDryRun = z.infer<typeof jobDryRunSchema>;
