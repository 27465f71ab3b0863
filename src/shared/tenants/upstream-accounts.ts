import { z } from 'zod';
import type { JobClass } from '../jobs/job-types.ts';

/**
 * Upstream accounts. A tenant may bring its own ElevenLabs account (`UPSTREAM_ACCOUNTS`): its
 * jobs then run on that account's queues, within that account's concurrency limits, and that
 * account's `quota_exceeded` pauses only its queues. Tenants no account lists, and every job
 * with auth off, use the default account (ELEVENLABS_API_KEY, UPSTREAM_CONCURRENCY,
 * MUSIC_CONCURRENCY), so a deployment without the setting runs exactly as before.
 */

/** The name of the account configured by ELEVENLABS_API_KEY; no listed account may take it. */
export const DEFAULT_ACCOUNT = 'default';

/** Lower-case letters, digits and `-`: safe in queue names, Redis keys and metric labels. */
const ACCOUNT_NAME = /^[a-z0-9-]{1,32}$/;

/** One `UPSTREAM_ACCOUNTS` entry, as configured. */
export const upstreamAccountSchema = z.strictObject({
  name: z.string().regex(ACCOUNT_NAME, 'must be 1-32 of a-z, 0-9 and -'),
  /** The account's `xi-api-key`; never logged (log-secrets.ts blanks `api_key`). */
  api_key: z.string().min(1, 'must not be empty'),
  /** Tenants (names from API_KEYS) whose jobs run on this account. */
  tenants: z.array(z.string().min(1)).min(1, 'must name at least one tenant'),
  /** In-flight speech-class calls on this account; default UPSTREAM_CONCURRENCY. */
  speech_concurrency: z.number().int().positive().optional(),
  /** In-flight music-class calls on this account; default MUSIC_CONCURRENCY. */
  music_concurrency: z.number().int().positive().optional(),
  /** Another host for this account (regional, residency); default ELEVENLABS_BASE_URL. */
  base_url: z.url().optional(),
});
export type UpstreamAccountSetting = z.infer<typeof upstreamAccountSchema>;

/** `UPSTREAM_ACCOUNTS` as it arrives: a JSON array of accounts. */
export const upstreamAccountListSchema = z
  .string()
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      // The text is not echoed: it holds keys.
      ctx.addIssue({ code: 'custom', message: 'is not valid JSON (a JSON array of accounts)' });
      return z.NEVER;
    }
  })
  .pipe(z.array(upstreamAccountSchema));

/** Problems of the account list against the configured tenants. Never names a key. */
export function upstreamAccountProblems(
  accounts: readonly UpstreamAccountSetting[],
  tenants: readonly string[],
): string[] {
  const problems: string[] = [];
  const names = new Set<string>();
  const accountOf = new Map<string, string>();
  for (const { name, tenants: members } of accounts) {
    if (name === DEFAULT_ACCOUNT) problems.push(`account name "${name}" is reserved`);
    if (names.has(name)) problems.push(`account ${name} is given twice`);
    names.add(name);
    for (const tenant of members) {
      if (!tenants.includes(tenant))
        problems.push(`account ${name}: tenant ${tenant} has no key in API_KEYS`);
      const other = accountOf.get(tenant);
      if (other !== undefined)
        problems.push(`tenant ${tenant} is in two accounts (${other}, ${name})`);
      accountOf.set(tenant, name);
    }
  }
  return problems;
}

/** An account as the workers run it: the default one included, every default applied. */
export interface UpstreamAccount {
  name: string;
  /** Unset only for the default account with no ELEVENLABS_API_KEY: the embedded simulator. */
  apiKey: string | undefined;
  baseUrl: string;
  limits: Record<JobClass, number>;
}

/** What the accounts are resolved from (a slice of Config, so tests can give just this). */
export interface AccountsConfig {
  UPSTREAM_ACCOUNTS?: readonly UpstreamAccountSetting[] | undefined;
  ELEVENLABS_API_KEY?: string | undefined;
  ELEVENLABS_BASE_URL: string;
  UPSTREAM_CONCURRENCY: number;
  MUSIC_CONCURRENCY: number;
}

/** Every account, the default first. */
export function upstreamAccounts(config: AccountsConfig): UpstreamAccount[] {
  const defaults = { speech: config.UPSTREAM_CONCURRENCY, music: config.MUSIC_CONCURRENCY };
  return [
    {
      name: DEFAULT_ACCOUNT,
      apiKey: config.ELEVENLABS_API_KEY,
      baseUrl: config.ELEVENLABS_BASE_URL,
      limits: defaults,
    },
    ...(config.UPSTREAM_ACCOUNTS ?? []).map((account) => ({
      name: account.name,
      apiKey: account.api_key,
      baseUrl: account.base_url ?? config.ELEVENLABS_BASE_URL,
      limits: {
        speech: account.speech_concurrency ?? defaults.speech,
        music: account.music_concurrency ?? defaults.music,
      },
    })),
  ];
}

/** Which account runs a tenant's jobs: names only, no keys (the intake needs no more). */
export interface AccountRouting {
  /** Every account's name, the default first. */
  readonly names: readonly string[];
  accountOf(tenant: string): string;
}

export function accountRouting(config: Pick<AccountsConfig, 'UPSTREAM_ACCOUNTS'>): AccountRouting {
  const accountOf = new Map<string, string>();
  for (const account of config.UPSTREAM_ACCOUNTS ?? [])
    for (const tenant of account.tenants) accountOf.set(tenant, account.name);
  return {
    names: [DEFAULT_ACCOUNT, ...(config.UPSTREAM_ACCOUNTS ?? []).map((account) => account.name)],
    accountOf: (tenant) => accountOf.get(tenant) ?? DEFAULT_ACCOUNT,
  };
}
