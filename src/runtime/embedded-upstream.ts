import { randomBytes } from 'node:crypto';
import type { Config } from '../shared/config.ts';
import type { Logger } from '../shared/logger.ts';
import type { UpstreamAccount } from '../shared/tenants/upstream-accounts.ts';
import type { RunningSimulator } from '../simulator/index.ts';

export interface UpstreamTarget {
  baseUrl: string;
  apiKey: string;
  simulator: RunningSimulator | null;
}

/**
 * Where an account's workers send upstream calls: the real API when the account has a key,
 * otherwise (only the default account, with ELEVENLABS_API_KEY unset) the simulator in this
 * process (config already refused that in production), with a loud banner because its audio
 * is synthetic.
 */
export async function resolveUpstream(
  account: UpstreamAccount,
  config: Config,
  logger: Logger,
): Promise<UpstreamTarget> {
  if (account.apiKey !== undefined) {
    return { baseUrl: account.baseUrl, apiKey: account.apiKey, simulator: null };
  }
  // Loaded only here: a process with a real upstream never carries the simulator's encoders.
  const { startSimulator } = await import('../simulator/index.ts');
  const apiKey = randomBytes(16).toString('hex');
  const simulator = await startSimulator({
    apiKey,
    host: '127.0.0.1',
    port: 0,
    concurrency: { speech: config.UPSTREAM_CONCURRENCY, music: config.MUSIC_CONCURRENCY },
  });
  logger.warn(
    { simulator_url: simulator.url },
    [
      '',
      '*****************************************************************************',
      '*  ELEVENLABS_API_KEY is unset: upstream calls go to the built-in SIMULATOR. *',
      '*  Outputs are SYNTHETIC test audio. Set ELEVENLABS_API_KEY for real audio.  *',
      '*****************************************************************************',
    ].join('\n'),
  );
  return { baseUrl: simulator.url, apiKey, simulator };
}
