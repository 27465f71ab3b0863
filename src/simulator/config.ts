import { z } from 'zod';

/**
 * The simulator's configuration: one zod schema, defaults in one constant, patches (from
 * `configure()`, `POST /_simulator/config` or the environment) merged over the current config.
 */

/** Faults the simulator can inject into upstream responses (see faults.ts). */
export const FAULT_KINDS = [
  'concurrency_429',
  'system_busy',
  'error_500',
  'reset_mid_body',
  'truncated_body',
  'stall_headers',
  'stall_body',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];
export const faultKindSchema = z.enum(FAULT_KINDS);

/** Concurrency classes the account limits separately (upstream.md, "Concurrency"). */
export const CONCURRENCY_CLASSES = ['speech', 'music'] as const;
export type ConcurrencyClass = (typeof CONCURRENCY_CLASSES)[number];

const concurrencySchema = z.strictObject({
  /** Speech-class calls in flight (speech-to-speech, dialogue). Default 5: the Creator plan. */
  speech: z.number().int().min(1),
  /** Music-class calls in flight (music, plans, stems). Default 2: Starter to Pro plans. */
  music: z.number().int().min(1),
});

const faultsSchema = z.strictObject({
  /** Seed of the PRNG that draws `rates`, so a run's fault sequence can be replayed. Default 1. */
  seed: z.number().int().min(0),
  /** Probability per upstream request of each fault kind; their sum must be ≤ 1. Default {}. */
  rates: z.partialRecord(faultKindSchema, z.number().min(0).max(1)),
  /**
   * Faults for the next requests, one consumed per request in order, ahead of `rates`; `none`
   * lets one request through untouched. A patch replaces the queue. Default [].
   */
  next: z.array(z.union([faultKindSchema, z.literal('none')])),
});

const limitsSchema = z.strictObject({
  /** Largest accepted input audio file, bytes. Default 50 MiB (the upstream's 50 MB). */
  maxInputBytes: z.number().int().min(1),
  /** Longest accepted input audio, seconds. Default 300 (the upstream's 5 minutes). */
  maxInputSeconds: z.number().positive(),
});

const stemsSchema = z.strictObject({
  /**
   * Entry names (without extension) of `two_stems_v1` archives. The upstream's are unconfirmed,
   * so tests change them to prove clients read names from the archive. Any text is accepted, so
   * tests can also send unsafe or duplicate names. Default ['vocals', 'instrumental'].
   */
  twoStemNames: z.tuple([z.string().min(1).max(200), z.string().min(1).max(200)]),
  /** Stem archives still to corrupt, one per successful response; counts down. Default 0. */
  corruptNext: z.number().int().min(0),
  /** How: `truncate` cuts the central directory off; `bit_flip` breaks the last entry's CRC. */
  corruption: z.enum(['truncate', 'bit_flip']),
});

export const simulatorConfigSchema = z.strictObject({
  /** Required `xi-api-key`; null accepts any key or none (local runs). Default null. */
  apiKey: z.string().min(1).nullable(),
  /** Fixed delay before a response starts, ms: the upstream's time to first byte. Default 0. */
  latencyMs: z.number().min(0),
  /**
   * Pause between two chunks of a streamed body, ms: makes streaming observable (time to first
   * byte well before the last). Default 0.
   */
  chunkDelayMs: z.number().min(0),
  /**
   * Streamed bodies hold their last chunk until this is switched off again (a test then knows
   * the upstream has not finished while it checks what a client already got). Default false.
   */
  holdLastChunk: z.boolean(),
  /** Extra delay per second of output audio, ms: generation time grows with length. Default 0. */
  latencyPerAudioSecondMs: z.number().min(0),
  /** Account concurrency limits per class. */
  concurrency: concurrencySchema,
  /** 429 body shape: the two live shapes, or `alternate` to switch on each 429. Default current. */
  errorShape: z.enum(['current', 'legacy', 'alternate']),
  /** Voice ids answered with 404 voice_not_found: a deterministic upstream 4xx. Default []. */
  rejectVoiceIds: z.array(z.string()),
  /** `Retry-After` seconds on injected 429/500 faults; null sends none (as upstream). Default null. */
  retryAfterSeconds: z.number().int().min(0).nullable(),
  /**
   * Account credits (characters) left; each success spends its character-cost, and a request
   * that costs more than is left gets 401 quota_exceeded. null = unlimited. Default null.
   */
  credits: z.number().int().min(0).nullable(),
  /**
   * The account's subscription: `free` answers the music endpoints with 402 limited_access, as
   * the upstream does for free plans (upstream.md, "Errors"). Default paid.
   */
  plan: z.enum(['free', 'paid']),
  faults: faultsSchema,
  limits: limitsSchema,
  /**
   * Times in `/v1/text-to-dialogue/stream/with-timestamps` lines: absolute, or relative to each
   * chunk (unconfirmed upstream; clients must take both). Default absolute.
   */
  dialogueChunkTimes: z.enum(['absolute', 'relative']),
  /** Stem separation: two-stem names and corrupt-archive injection. */
  stems: stemsSchema,
});

/** The full simulator configuration. */
export type SimulatorConfig = z.infer<typeof simulatorConfigSchema>;

export const simulatorConfigPatchSchema = simulatorConfigSchema
  .extend({
    concurrency: concurrencySchema.partial(),
    faults: faultsSchema.partial(),
    limits: limitsSchema.partial(),
    stems: stemsSchema.partial(),
  })
  .partial();

/** A partial configuration: top-level keys replace, nested objects merge one level deep. */
export type SimulatorConfigPatch = z.infer<typeof simulatorConfigPatchSchema>;

/** Defaults: an open, fast, fault-free simulator with the upstream's limits. */
export const DEFAULT_SIMULATOR_CONFIG: SimulatorConfig = {
  apiKey: null,
  latencyMs: 0,
  chunkDelayMs: 0,
  holdLastChunk: false,
  latencyPerAudioSecondMs: 0,
  concurrency: { speech: 5, music: 2 },
  errorShape: 'current',
  rejectVoiceIds: [],
  retryAfterSeconds: null,
  credits: null,
  plan: 'paid',
  faults: { seed: 1, rates: {}, next: [] },
  limits: { maxInputBytes: 50 * 1024 * 1024, maxInputSeconds: 300 },
  dialogueChunkTimes: 'absolute',
  stems: { twoStemNames: ['vocals', 'instrumental'], corruptNext: 0, corruption: 'truncate' },
};

/** Thrown with every problem of an invalid config or patch. */
export class SimulatorConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid simulator config: ${issues.join('; ')}`);
    this.name = 'SimulatorConfigError';
  }
}

function issuesOf(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
}

/** Validates a patch from an untrusted source (HTTP body, test code, environment). */
export function parseConfigPatch(input: unknown): SimulatorConfigPatch {
  const parsed = simulatorConfigPatchSchema.safeParse(input);
  if (!parsed.success) throw new SimulatorConfigError(issuesOf(parsed.error));
  return parsed.data;
}

/** `base` with `patch` applied, validated as a whole (e.g. fault rates summing above 1). */
export function mergeConfig(base: SimulatorConfig, patch: SimulatorConfigPatch): SimulatorConfig {
  const merged = {
    ...base,
    ...patch,
    concurrency: { ...base.concurrency, ...patch.concurrency },
    faults: { ...base.faults, ...patch.faults },
    limits: { ...base.limits, ...patch.limits },
    stems: { ...base.stems, ...patch.stems },
  };
  const issues: string[] = [];
  const parsed = simulatorConfigSchema.safeParse(merged);
  if (!parsed.success) issues.push(...issuesOf(parsed.error));
  const rateSum = Object.values(merged.faults.rates).reduce((sum, rate) => sum + (rate ?? 0), 0);
  if (rateSum > 1 + 1e-9) issues.push(`faults.rates: sum to ${rateSum}, at most 1`);
  if (!parsed.success || issues.length > 0) throw new SimulatorConfigError(issues);
  return parsed.data;
}
