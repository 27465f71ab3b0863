/**
 * The closed list of job types, and the upstream concurrency class each one draws from. Adding a
 * type here makes `tsc` demand its request schema, its worker module and its class.
 */
export const JOB_TYPES = [
  'speech_to_speech',
  'text_to_dialogue',
  'music',
  'music_plan',
  'stem_separation',
  'dub',
] as const;
export type JobType = (typeof JOB_TYPES)[number];

/** Account-wide concurrency pools at the upstream (see upstream.md, "Concurrency"). */
export const JOB_CLASSES = ['speech', 'music'] as const;
export type JobClass = (typeof JOB_CLASSES)[number];

/** upstream.md: speech for speech-to-speech and dialogue; music for music and stems. */
export const JOB_CLASS_OF = {
  speech_to_speech: 'speech',
  text_to_dialogue: 'speech',
  music: 'music',
  music_plan: 'music',
  stem_separation: 'music',
  // The dub itself calls nothing: its steps take their own classes' slots (workers/dub).
  dub: 'speech',
} as const satisfies Record<JobType, JobClass>;

export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'canceled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const FINISHED_STATUSES: readonly JobStatus[] = ['succeeded', 'failed', 'canceled'];

export function isFinished(status: JobStatus): boolean {
  return FINISHED_STATUSES.includes(status);
}
