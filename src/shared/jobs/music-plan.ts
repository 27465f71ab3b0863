import { z } from 'zod';
import { compositionPlanSchema, MUSIC_MODELS, planShapeProblem } from './composition-plan.ts';
import { envelopeFields } from './request-envelope.ts';
import { modelIdSchema, upstreamNullable } from './upstream-fields.ts';

/**
 * `music_plan`: `POST /v1/music/plan` (seeds/004 "Create composition plan"), a composition plan
 * from a prompt. It costs no credits and takes no seed: a rerun is made identical by the
 * fingerprint cache, not by the upstream.
 */

export const musicPlanParamsSchema = z
  .object({
    /** Required upstream. Its length limit is not stated for plans: the compose limit applies. */
    prompt: z.string().min(1).max(4_100),
    music_length_ms: upstreamNullable(z.number().int().min(3_000).max(600_000)),
    /** A plan to start from; its shape must fit `model_id`, like a compose plan's. */
    source_composition_plan: upstreamNullable(compositionPlanSchema),
    /** No default, as for compose: the upstream picks its own. */
    model_id: modelIdSchema(MUSIC_MODELS).optional(),
  })
  .strict();
export type MusicPlanParams = z.infer<typeof musicPlanParamsSchema>;

/** No variants: one endpoint, one JSON answer. */
export const musicPlanOptionsSchema = z.object({}).strict().prefault({});

export const musicPlanRequestSchema = z
  .object({
    type: z.literal('music_plan'),
    params: musicPlanParamsSchema,
    options: musicPlanOptionsSchema,
    ...envelopeFields,
  })
  .strict()
  .superRefine(({ params }, ctx) => {
    const source = params.source_composition_plan;
    const problem = source && planShapeProblem(source, params.model_id);
    if (problem) {
      ctx.addIssue({
        code: 'custom',
        path: ['params', 'source_composition_plan'],
        message: problem,
      });
    }
  });
export type MusicPlanRequest = z.output<typeof musicPlanRequestSchema>;
