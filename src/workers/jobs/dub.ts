import { AppError } from '../../shared/errors.ts';
import type { StoredOutput } from '../../shared/jobs/job-record.ts';
import { jobCacheScope } from '../../shared/tenants/cache-groups.ts';
import type { ObjectStorage } from '../../shared/storage/object-storage.ts';
import { stepFingerprints } from '../dub/dub-steps.ts';
import { stepsDone } from '../dub/dub-flow.ts';
import { mixStep } from '../dub/mix-step.ts';
import { backgroundOf } from '../dub/run-step.ts';
import { readStep } from '../dub/step-cache.ts';
import { stepChainSchema } from '../dub/step-summary.ts';
import { outputKey } from '../outputs/write-output.ts';
import { WaitingChildrenError } from 'bullmq';
import type { JobDefinition } from './job-definition.ts';

const ENDPOINT = 'dub';

/**
 * A dub: stem separation → speech-to-speech on the vocals → the mix. The first delivery adds
 * the upstream steps as a BullMQ flow under this job and leaves it waiting for them (BullMQ's
 * WaitingChildrenError); once they completed, the next delivery mixes and finishes the job
 * through the usual path, outputs `audio` (the mix), `vocals` (the converted voice) and
 * `background` (the separated background), each copied into this run's folder.
 */
export const dub: JobDefinition<'dub'> = {
  type: 'dub',

  endpoint: () => ENDPOINT,

  async run(context) {
    const { flow, storage, signal } = context;
    const record = context.job;
    if (flow === null) throw new Error('a dub runs only as a BullMQ job');
    if (!(await stepsDone(flow, record.id))) throw new WaitingChildrenError();

    const chain = stepChainSchema.parse(Object.values(await flow.job.getChildrenValues()).flat());
    const fingerprints = stepFingerprints(record);
    if (fingerprints === null) throw missingStep('input');
    const scope = jobCacheScope(record);
    const stems = await readStep(storage, scope, fingerprints.stems);
    const speech = await readStep(storage, scope, fingerprints.speech_to_speech);
    if (!stems) throw missingStep('stems');
    const converted = speech?.outputs.find((output) => output.name === 'audio');
    if (!converted) throw missingStep('speech_to_speech');

    const vocals = await copyInto(context, converted, 'vocals');
    const background = await copyInto(context, backgroundOf(stems), 'background');
    const startedAt = performance.now();
    const audio = await mixStep({
      storage,
      vocals,
      background,
      mix: record.request.params.mix,
      outputFormat: record.request.params.output_format,
      outputFolder: context.outputFolder,
      signal,
    });
    const mix = {
      step: 'mix' as const,
      status: 'succeeded' as const,
      cache: 'miss' as const,
      upstream_calls: 0,
      duration_ms: Math.round(performance.now() - startedAt),
    };
    return {
      outputs: [audio, vocals, background],
      endpoint: ENDPOINT,
      result: { steps: [...chain, mix] },
    };
  },
};

/** A step's output, copied (server-side) into the dub's run folder under the dub's own name. */
async function copyInto(
  context: {
    storage: ObjectStorage;
    outputFolder: string;
  },
  output: StoredOutput,
  name: string,
): Promise<StoredOutput> {
  const extension = output.key.slice(output.key.lastIndexOf('.') + 1);
  const key = outputKey(context.outputFolder, name, extension);
  await context.storage.copy(output.key, key);
  return { ...output, name, key };
}

/** A step's stored answer went missing between the step and the mix (deleted under it). */
function missingStep(step: string): AppError {
  return new AppError('step_output_missing', `the ${step} step's stored answer is gone`, 500, {
    retryable: false,
  });
}
