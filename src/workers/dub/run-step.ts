import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { JOB_CLASS_OF } from '../../shared/jobs/job-types.ts';
import { finishJob } from '../../shared/lifecycle/finish-job.ts';
import { newId } from '../../shared/ids.ts';
import { deleteFolder } from '../../shared/storage/delete-folder.ts';
import { jobCacheScope } from '../../shared/tenants/cache-groups.ts';
import { BudgetExhaustedError } from '../../shared/usage/budget-error.ts';
import { pauseForQuota } from '../attempt-outcomes.ts';
import { budgetGate } from '../budget-gate.ts';
import { CallTracker } from '../call-tracker.ts';
import { toJobError } from '../error-mapping.ts';
import type { JobContext } from '../jobs/job-definition.ts';
import { speechToSpeech } from '../jobs/speech-to-speech.ts';
import { stemSeparation } from '../jobs/stem-separation.ts';
import { SlotWaitTimeoutError, WorkerStoppingError } from '../slots/slot-errors.ts';
import { slotLimitedClient } from '../slots/slot-limited-client.ts';
import { instrumentedClient } from '../upstream/instrumented-client.ts';
import { UpstreamError } from '../upstream/upstream-error.ts';
import { ABORT_CANCELED, ABORT_LOCK_LOST, type WorkerDeps } from '../worker-deps.ts';
import {
  isDubRecord,
  speechToSpeechRequest,
  stemsRequest,
  stepFingerprints,
  type DubRecord,
  type UpstreamDubStep,
} from './dub-steps.ts';
import { acquireStepLock } from './step-lock.ts';
import { readStep, stepRunFolder, storeStep, type StepEntry } from './step-cache.ts';
import { stepChainSchema, type StepSummary } from './step-summary.ts';

/** What a step job of a dub's flow carries: the dub, and which step (the rest is derived). */
export interface DubStepPayload {
  job_id: string;
  step: UpstreamDubStep;
}

/** A step that found no slot, or was stopped by a shutdown, goes back after this, ms. */
const STEP_REQUEUE_DELAY_MS = 1_000;
/** The job type whose upstream call a step makes: its class is the queue it waits in. */
const STEP_TYPE = { stems: 'stem_separation', speech_to_speech: 'speech_to_speech' } as const;
/** A step whose tenant's or batch's budget is spent looks again after this, ms. */
const STEP_BUDGET_DELAY_MS = 60_000;

/**
 * One upstream step of a dub, as a BullMQ job of its class queue (a child in the dub's flow):
 * answered from the step cache when its fingerprint is stored, otherwise the step's job type
 * module (stem_separation, speech_to_speech) runs it through the account's slots, and its
 * outputs are stored as the fingerprint's answer. Its calls count for the dub (usage, batch).
 *
 * Failure: a retryable error with attempts left is thrown (BullMQ retries the step with
 * backoff); anything else finishes the dub `failed` with this step's error (through the one
 * finish path) and fails the step for good, which fails the dub's BullMQ job
 * (failParentOnFailure). A cancel of the dub ends it `canceled` the same way.
 */
export async function runDubStep(
  deps: WorkerDeps,
  job: Job<DubStepPayload>,
  token: string | undefined,
  signal: AbortSignal | undefined,
): Promise<StepSummary[]> {
  const { job_id: jobId, step } = job.data;
  const record = await deps.jobs.get(jobId);
  if (!record || !isDubRecord(record)) throw new UnrecoverableError(`dub ${jobId} not found`);
  if (record.status !== 'running' || record.finishing)
    throw new UnrecoverableError(`dub ${jobId} is ${record.status}: its steps stop`);
  const logger = deps.logger.child({ job_id: jobId, step, step_job_id: job.id });
  if (record.cancel_requested) return await cancelDub(deps, record, logger);

  const before = stepChainSchema.parse(Object.values(await job.getChildrenValues()).flat());
  const fingerprints = stepFingerprints(record);
  if (fingerprints === null) throw new UnrecoverableError(`dub ${jobId} has no stored input`);
  const fingerprint = fingerprints[step];
  const scope = jobCacheScope(record);
  const startedAt = performance.now();
  const elapsed = () => Math.round(performance.now() - startedAt);

  const run: StepRun = {
    deps,
    attempt: { job, token, record, step, attempt: job.attemptsMade + 1 },
    signal,
    logger,
    scope,
    fingerprint,
    stemsFingerprint: fingerprints.stems,
    before,
    elapsed,
  };
  const hit = (): StepSummary[] => {
    logger.info('dub step answered from the step cache');
    const summary = { step, status: 'succeeded', cache: 'hit', upstream_calls: 0 } as const;
    return [...before, { ...summary, duration_ms: elapsed() }];
  };
  if (record.request.cache === 'bypass') return await computeStep(run);
  if (await readStep(deps.storage, scope, fingerprint)) return hit();
  // One computation per fingerprint at a time: a dub of the same clip waits for the answer.
  const lock = await acquireStepLock(
    deps.redis,
    deps.keys.dubStepLock(scope, fingerprint),
    `${job.id ?? ''}:${token ?? ''}`,
    deps.config.WORKER_LOCK_DURATION_MS,
  );
  if (lock === null) {
    if (token === undefined) throw new Error('the step is being computed by another job');
    await job.moveToDelayed(Date.now() + STEP_REQUEUE_DELAY_MS, token);
    throw new DelayedError();
  }
  try {
    // The holder before us may have stored the answer between our look and our lock.
    if (await readStep(deps.storage, scope, fingerprint)) return hit();
    return await computeStep(run);
  } finally {
    await lock.release();
  }
}

/** One delivery of a step job, with what its computation needs. */
interface StepRun {
  deps: WorkerDeps;
  attempt: StepAttempt;
  signal: AbortSignal | undefined;
  logger: WorkerDeps['logger'];
  scope: string;
  fingerprint: string;
  stemsFingerprint: string;
  /** The summaries of the steps before (this job's children). */
  before: StepSummary[];
  elapsed: () => number;
}

/** The step computed: its job type's module against the upstream, its answer stored. */
async function computeStep(run: StepRun): Promise<StepSummary[]> {
  const { deps, signal, logger, scope, fingerprint, before, elapsed } = run;
  const { record, step, attempt } = run.attempt;
  logger.info({ attempt }, 'dub step started');
  const runId = newId('run');
  const definition = step === 'stems' ? stemSeparation : speechToSpeech;
  const request = step === 'stems' ? stemsRequest(record) : speechToSpeechRequest(record);
  const endpoint = definition.endpoint(request as never);
  const jobClass = JOB_CLASS_OF[request.type];
  const client = slotLimitedClient(
    instrumentedClient(deps.upstream, deps.metrics, { endpoint, jobClass }),
    deps.slots,
    jobClass,
    budgetGate(deps, record),
  );
  const stepSignal = AbortSignal.any([
    signal ?? new AbortController().signal,
    AbortSignal.timeout(deps.config.UPSTREAM_TOTAL_TIMEOUT_MS),
  ]);
  const tracker = new CallTracker(client, stepSignal, {
    ledger: deps.usage,
    metrics: deps.metrics,
    job: record,
    attempt,
    runId,
    endpoint,
  });
  const outputFolder = stepRunFolder(scope, fingerprint, runId);
  try {
    const input = await stepInput(deps, record, step, scope, run.stemsFingerprint);
    const context: JobContext<'stem_separation' | 'speech_to_speech'> = {
      job: { ...record, request },
      seed: record.seed,
      inputKey: input.key,
      inputBytes: input.bytes,
      inputContentType: input.contentType,
      outputFolder,
      storage: deps.storage,
      callUpstream: tracker.call,
      signal: stepSignal,
      logger,
      flow: null,
    };
    const outcome = await definition.run(context as never);
    await storeStep(deps.storage, scope, {
      step,
      fingerprint,
      run_id: runId,
      job_id: record.id,
      outputs: outcome.outputs,
      upstream_calls: tracker.calls,
      created_at: new Date().toISOString(),
    });
    logger.info({ calls: tracker.calls }, 'dub step done');
    return [
      ...before,
      {
        step,
        status: 'succeeded',
        cache: 'miss',
        upstream_calls: tracker.calls,
        duration_ms: elapsed(),
      },
    ];
  } catch (error) {
    // This run's copy is garbage: the step's answer is only ever what step.json names.
    await deleteFolder(deps.storage, outputFolder).catch(() => undefined);
    return await settleStepFailure(deps, run.attempt, error, stepSignal, logger);
  } finally {
    client.releaseAll();
  }
}

/** The stored audio a step sends: the dub's input for the separation, its vocals for the voice. */
async function stepInput(
  deps: WorkerDeps,
  record: DubRecord,
  step: UpstreamDubStep,
  scope: string,
  stemsFingerprint: string,
): Promise<{ key: string; bytes: number | null; contentType: string | null }> {
  if (step === 'stems') {
    const input = record.input;
    if (!input?.key) throw new UnrecoverableError('the dub has no stored input');
    return { key: input.key, bytes: input.bytes, contentType: input.content_type };
  }
  const stems = await readStep(deps.storage, scope, stemsFingerprint);
  if (!stems) throw new Error('the separation step has no stored answer');
  const vocals = vocalsOf(stems);
  return { key: vocals.key, bytes: vocals.bytes, contentType: vocals.content_type };
}

/** The separated voice: stem `vocals`. */
export function vocalsOf(stems: StepEntry): StepEntry['outputs'][number] {
  const vocals = stems.outputs.find((output) => output.name === 'stem.vocals');
  if (!vocals) throw new UnrecoverableError('the separation answered without a vocals stem');
  return vocals;
}

/** The separated background: the stem that is not the voice (`instrumental` of two stems). */
export function backgroundOf(stems: StepEntry): StepEntry['outputs'][number] {
  const background = stems.outputs.find(
    (output) => output.name.startsWith('stem.') && output.name !== 'stem.vocals',
  );
  if (!background)
    throw new UnrecoverableError('the separation answered without a background stem');
  return background;
}

interface StepAttempt {
  job: Job<DubStepPayload>;
  token: string | undefined;
  record: DubRecord;
  step: UpstreamDubStep;
  attempt: number;
}

async function settleStepFailure(
  deps: WorkerDeps,
  attempt: StepAttempt,
  error: unknown,
  signal: AbortSignal,
  logger: WorkerDeps['logger'],
): Promise<never> {
  const aborted = signal.aborted ? (signal.reason as unknown) : null;
  if (aborted === ABORT_CANCELED) return cancelDub(deps, attempt.record, logger);
  if (aborted === ABORT_LOCK_LOST) throw error instanceof Error ? error : new Error('lock lost');
  const concurrency = error instanceof UpstreamError && error.kind === 'concurrency';
  const quota = error instanceof UpstreamError && error.kind === 'quota';
  // Out of credits is the account's state, not the step's: its class queue pauses, as for any
  // job, and the step waits there (no attempt spent) until an operator resumes it.
  if (quota) await pauseForQuota(deps, JOB_CLASS_OF[STEP_TYPE[attempt.step]], error, logger);
  if (
    signal.aborted ||
    concurrency ||
    quota ||
    error instanceof WorkerStoppingError ||
    error instanceof SlotWaitTimeoutError ||
    error instanceof BudgetExhaustedError
  ) {
    // Not the step's fault: back to the queue, no attempt spent.
    if (attempt.token === undefined) throw error;
    const delay =
      error instanceof BudgetExhaustedError
        ? STEP_BUDGET_DELAY_MS
        : ((concurrency ? error.retryAfterMs : null) ?? STEP_REQUEUE_DELAY_MS);
    await attempt.job.moveToDelayed(Date.now() + delay, attempt.token);
    throw new DelayedError();
  }
  const jobError = toJobError(error);
  if (jobError.retryable && attempt.attempt < (attempt.job.opts.attempts ?? 1)) {
    logger.info({ code: jobError.code }, 'dub step failed: retrying with backoff');
    throw error instanceof Error ? error : new Error(jobError.message);
  }
  const stepError = { ...jobError, message: `${attempt.step} step: ${jobError.message}` };
  const finished = await finishJob(deps, attempt.record.id, {
    status: 'failed',
    from: ['running'],
    runId: null,
    patch: { error: stepError },
  });
  if (finished) deps.metrics.jobs.inc({ type: 'dub', status: 'failed' });
  logger.warn({ code: jobError.code }, 'dub step failed: the dub fails with its error');
  throw new UnrecoverableError(`${stepError.code}: ${stepError.message}`);
}

/** The dub canceled by one of its steps; the step fails, and so its flow (the dub's BullMQ job). */
async function cancelDub(
  deps: WorkerDeps,
  record: DubRecord,
  logger: WorkerDeps['logger'],
): Promise<never> {
  const finished = await finishJob(deps, record.id, {
    status: 'canceled',
    from: ['running'],
    runId: null,
    patch: { outputs: [] },
  });
  if (finished) deps.metrics.jobs.inc({ type: 'dub', status: 'canceled' });
  logger.info('dub canceled: its open steps stop');
  throw new UnrecoverableError('canceled');
}
