import { z } from 'zod';
import {
  DEFAULT_SIMULATOR_CONFIG,
  FAULT_KINDS,
  SimulatorConfigError,
  mergeConfig,
  parseConfigPatch,
  type FaultKind,
  type SimulatorConfig,
  type SimulatorConfigPatch,
} from './config.ts';

/** Where the standalone simulator listens, and what it starts with. */
export interface SimulatorStartup {
  host: string;
  port: number;
  config: SimulatorConfig;
}

const number = z.coerce.number();
const envSchema = z.object({
  /** Interface to bind. Default 127.0.0.1: the simulator has no business on a public one. */
  SIMULATOR_HOST: z.string().min(1).default('127.0.0.1'),
  /** TCP port; 0 picks a free one. Default 8790. */
  SIMULATOR_PORT: z.coerce.number().int().min(0).max(65535).default(8790),
  SIMULATOR_API_KEY: z.string().min(1).optional(),
  SIMULATOR_LATENCY_MS: number.optional(),
  SIMULATOR_LATENCY_PER_AUDIO_SECOND_MS: number.optional(),
  SIMULATOR_SPEECH_CONCURRENCY: number.optional(),
  SIMULATOR_MUSIC_CONCURRENCY: number.optional(),
  SIMULATOR_ERROR_SHAPE: z.string().optional(),
  /** Comma-separated voice ids answered with 404 voice_not_found. */
  SIMULATOR_REJECT_VOICE_IDS: z.string().optional(),
  SIMULATOR_RETRY_AFTER_SECONDS: number.optional(),
  SIMULATOR_CREDITS: number.optional(),
  /** `free` or `paid` (default): a free plan gets 402 limited_access from the music endpoints. */
  SIMULATOR_PLAN: z.string().optional(),
  /** `absolute` (default) or `relative`: the times in stream-with-timestamps dialogue chunks. */
  SIMULATOR_DIALOGUE_CHUNK_TIMES: z.string().optional(),
  SIMULATOR_FAULT_SEED: number.optional(),
  /** `kind=probability` pairs, comma-separated, e.g. `error_500=0.1,reset_mid_body=0.05`. */
  SIMULATOR_FAULT_RATES: z.string().optional(),
  SIMULATOR_MAX_INPUT_BYTES: number.optional(),
  SIMULATOR_MAX_INPUT_SECONDS: number.optional(),
});
type SimulatorEnv = z.infer<typeof envSchema>;

function parseFaultRates(text: string, issues: string[]): Partial<Record<FaultKind, number>> {
  const rates: Partial<Record<FaultKind, number>> = {};
  for (const pair of text.split(',').filter((item) => item.trim() !== '')) {
    const [kind = '', value = ''] = pair.split('=').map((item) => item.trim());
    const known = (FAULT_KINDS as readonly string[]).includes(kind);
    if (!known || value === '' || !Number.isFinite(Number(value))) {
      issues.push(
        `SIMULATOR_FAULT_RATES: "${pair}" is not kind=probability (kinds: ${FAULT_KINDS.join(', ')})`,
      );
    } else rates[kind as FaultKind] = Number(value);
  }
  return rates;
}

function patchFromEnv(env: SimulatorEnv, issues: string[]): Record<string, unknown> {
  const list = env.SIMULATOR_REJECT_VOICE_IDS?.split(',').map((id) => id.trim());
  const patch = {
    apiKey: env.SIMULATOR_API_KEY,
    latencyMs: env.SIMULATOR_LATENCY_MS,
    latencyPerAudioSecondMs: env.SIMULATOR_LATENCY_PER_AUDIO_SECOND_MS,
    concurrency: {
      speech: env.SIMULATOR_SPEECH_CONCURRENCY,
      music: env.SIMULATOR_MUSIC_CONCURRENCY,
    },
    errorShape: env.SIMULATOR_ERROR_SHAPE,
    rejectVoiceIds: list?.filter((id) => id !== ''),
    retryAfterSeconds: env.SIMULATOR_RETRY_AFTER_SECONDS,
    credits: env.SIMULATOR_CREDITS,
    plan: env.SIMULATOR_PLAN,
    dialogueChunkTimes: env.SIMULATOR_DIALOGUE_CHUNK_TIMES,
    faults: {
      seed: env.SIMULATOR_FAULT_SEED,
      rates:
        env.SIMULATOR_FAULT_RATES === undefined
          ? undefined
          : parseFaultRates(env.SIMULATOR_FAULT_RATES, issues),
    },
    limits: {
      maxInputBytes: env.SIMULATOR_MAX_INPUT_BYTES,
      maxInputSeconds: env.SIMULATOR_MAX_INPUT_SECONDS,
    },
  };
  return JSON.parse(JSON.stringify(patch)) as Record<string, unknown>; // drops the undefined keys
}

/**
 * Reads the standalone simulator's settings from `env` (the caller passes process.env; nothing
 * else here reads it). Empty variables count as unset. Throws with every problem at once.
 */
export function loadSimulatorConfig(env: Record<string, string | undefined>): SimulatorStartup {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    throw new SimulatorConfigError(
      parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
    );
  }
  const issues: string[] = [];
  const raw = patchFromEnv(parsed.data, issues);
  let patch: SimulatorConfigPatch = {};
  try {
    patch = parseConfigPatch(raw);
  } catch (error) {
    if (!(error instanceof SimulatorConfigError)) throw error;
    issues.push(...error.issues);
  }
  if (issues.length > 0) throw new SimulatorConfigError(issues);
  const config = mergeConfig(DEFAULT_SIMULATOR_CONFIG, patch);
  return { host: parsed.data.SIMULATOR_HOST, port: parsed.data.SIMULATOR_PORT, config };
}
