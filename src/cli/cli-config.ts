import { z } from 'zod';
import { UsageError } from './cli-errors.ts';

/**
 * The CLI's configuration, from its environment. Like the service's `loadConfig`, it is read
 * once by the entry point and nothing else in the CLI reads `process.env`.
 */
const cliEnvSchema = z.object({
  /** Base URL of the audiobatch API. Default http://127.0.0.1:3000 (what `npm start` listens on). */
  AUDIOBATCH_URL: z
    .url({ protocol: /^https?$/ })
    .default('http://127.0.0.1:3000')
    .transform((url) => url.replace(/\/+$/, '')),
  /** Bearer key, when the service has API_KEYS set. Never printed. */
  AUDIOBATCH_API_KEY: z.string().min(1).optional(),
});

export interface CliConfig {
  /** Base URL without a trailing slash. */
  baseUrl: string;
  apiKey: string | undefined;
}

/** The global options that override the environment. */
export interface CliOverrides {
  /** `--url`. */
  url?: string | undefined;
  /** `--api-key`. */
  apiKey?: string | undefined;
}

/** Reads the CLI's settings; `--url` and `--api-key` win over the environment (and `.env`). */
export function loadCliConfig(
  env: Record<string, string | undefined>,
  overrides: CliOverrides = {},
): CliConfig {
  const parsed = cliEnvSchema.safeParse({
    AUDIOBATCH_URL: overrides.url ?? (env.AUDIOBATCH_URL || undefined),
    AUDIOBATCH_API_KEY: overrides.apiKey ?? (env.AUDIOBATCH_API_KEY || undefined),
  });
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.')}: ${issue.message}`,
    );
    throw new UsageError(`Invalid configuration: ${problems.join('; ')}`);
  }
  return { baseUrl: parsed.data.AUDIOBATCH_URL, apiKey: parsed.data.AUDIOBATCH_API_KEY };
}
