import { z } from 'zod';
import { planBody } from '../music/compose-body.ts';
import { corruptBody, readJsonText, writeJsonOutput } from '../music/json-output.ts';
import type { JobDefinition } from './job-definition.ts';

const ENDPOINT = '/v1/music/plan';
// Thirty sections of thirty 200-character lines and fifty styles each stay well under this.
const MAX_PLAN_BYTES = 1024 * 1024;

/** Either plan shape, checked only as far as needed to call it a plan; kept as sent. */
const planReplySchema = z.union([
  z.looseObject({ sections: z.array(z.looseObject({})) }),
  z.looseObject({ chunks: z.array(z.looseObject({})) }),
]);

/**
 * A composition plan from a prompt. The answer is small JSON: stored as the `plan` output and
 * returned as the job's inline `result`, ready to be sent back as a music job's plan.
 */
export const musicPlan: JobDefinition<'music_plan'> = {
  type: 'music_plan',

  endpoint: () => ENDPOINT,

  async run(context) {
    const { params } = context.job.request;
    const response = await context.callUpstream({
      path: ENDPOINT,
      body: planBody(params),
      accept: 'application/json',
    });
    const text = await readJsonText(response.body, MAX_PLAN_BYTES, context.signal);
    const plan = parsePlan(text);
    const output = await writeJsonOutput(context, 'plan', JSON.stringify(plan));
    return { outputs: [output], endpoint: ENDPOINT, result: plan };
  },
};

function parsePlan(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw corruptBody('bad_plan_json', 'the composition plan response does not parse as JSON');
  }
  if (!planReplySchema.safeParse(value).success) {
    throw corruptBody(
      'bad_plan_json',
      'the response is not a composition plan (no sections or chunks)',
    );
  }
  return value;
}
