import { z } from 'zod';

/** One step of a dub as `result.steps` reports it. */
export const stepSummarySchema = z.object({
  step: z.enum(['stems', 'speech_to_speech', 'mix']),
  status: z.enum(['succeeded']),
  /** hit: answered from the step cache, nothing computed or called. */
  cache: z.enum(['hit', 'miss']),
  upstream_calls: z.number().int(),
  duration_ms: z.number().int(),
});
export type StepSummary = z.infer<typeof stepSummarySchema>;

/**
 * What a step job returns to its parent: its own summary after those of the steps it waited
 * for (its children), so the dub reads the whole chain from its one child.
 */
export const stepChainSchema = z.array(stepSummarySchema);
