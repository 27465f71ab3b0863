import type { FlowJob, FlowProducer, Job, JobsOptions } from 'bullmq';
import type { JobClass } from '../../shared/jobs/job-types.ts';
import { UPSTREAM_BACKOFF } from '../../shared/queue/queues.ts';
import type { DubStepPayload } from './run-step.ts';

/** BullMQ job name of a dub's step jobs: how the processor tells them from job records' work. */
export const DUB_STEP_JOB_NAME = 'dub-step';

/** What a job definition needs to run its work as a BullMQ flow under its own BullMQ job. */
export interface FlowContext {
  /** The BullMQ job being processed (the flow's parent) and its lock token. */
  job: Job;
  token: string | undefined;
  producer: FlowProducer;
  /** The account's class queues' BullMQ names, where each step goes. */
  queueNames: Record<JobClass, string>;
  prefix: string;
  /**
   * A fair-share priority for one step of this dub's tenant in the class's queue: steps wait
   * for slots among every tenant's work, never ahead of it (the plain wait list would be).
   */
  reservePriority(jobClass: JobClass): Promise<number>;
  attempts: number;
  backoffMs: number;
}

export function isDubStepJob(job: Job): job is Job<DubStepPayload> {
  return job.name === DUB_STEP_JOB_NAME;
}

/**
 * The dub's upstream steps as a chain of nested children under the dub's own BullMQ job:
 * dub (the mix) ← speech_to_speech ← stems. BullMQ runs the innermost first and each parent
 * once its child completed; a step that fails for good fails its parent (failParentOnFailure),
 * up to the dub. Steps are jobs of their class queues, so they wait for the account's slots
 * like any call; retries with backoff as every job's.
 */
export async function addDubSteps(flow: FlowContext, jobId: string): Promise<void> {
  const opts: JobsOptions = {
    attempts: flow.attempts,
    backoff: { type: UPSTREAM_BACKOFF, delay: flow.backoffMs },
    failParentOnFailure: true,
    removeOnComplete: { age: 24 * 3600 },
    removeOnFail: { age: 7 * 24 * 3600 },
  };
  const step = (name: DubStepPayload['step']): DubStepPayload => ({ job_id: jobId, step: name });
  const speechPriority = await flow.reservePriority('speech');
  const stemsPriority = await flow.reservePriority('music');
  const tree: FlowJob = {
    name: DUB_STEP_JOB_NAME,
    queueName: flow.queueNames.speech,
    prefix: flow.prefix,
    data: step('speech_to_speech'),
    opts: {
      ...opts,
      priority: speechPriority,
      parent: { id: flow.job.id ?? jobId, queue: flow.job.queueQualifiedName },
    },
    children: [
      {
        name: DUB_STEP_JOB_NAME,
        queueName: flow.queueNames.music,
        prefix: flow.prefix,
        data: step('stems'),
        opts: { ...opts, priority: stemsPriority },
      },
    ],
  };
  await flow.producer.add(tree);
}

/**
 * Whether the dub's steps are all done (true), or the job now waits for them (BullMQ then
 * hands it back once they are). Adds the steps on the first delivery; a delivery after a crash
 * between the add and the move finds them there and adds nothing.
 */
export async function stepsDone(flow: FlowContext, jobId: string): Promise<boolean> {
  const counts = await flow.job.getDependenciesCount();
  const known = (counts.processed ?? 0) + (counts.unprocessed ?? 0) + (counts.failed ?? 0);
  if (known === 0) await addDubSteps(flow, jobId);
  if (flow.token === undefined) throw new Error('a dub needs its lock token to wait for its steps');
  return !(await flow.job.moveToWaitingChildren(flow.token));
}
