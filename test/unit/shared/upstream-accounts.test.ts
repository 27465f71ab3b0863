import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/shared/config.ts';
import { createLogger } from '../../../src/shared/logger.ts';
import { classQueueId, queueName } from '../../../src/shared/queue/queues.ts';
import {
  accountRouting,
  DEFAULT_ACCOUNT,
  upstreamAccounts,
} from '../../../src/shared/tenants/upstream-accounts.ts';

const SECRET = 'sk_account_b_secret_0123456789';
const accounts = (value: unknown) => JSON.stringify(value);

function problemsOf(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.join('\n');
    throw error;
  }
  return '';
}

describe('UPSTREAM_ACCOUNTS', () => {
  it('is unset by default: one account, the default, with the global key and limits', () => {
    const config = loadConfig({ ELEVENLABS_API_KEY: 'k', UPSTREAM_CONCURRENCY: '7' });
    expect(upstreamAccounts(config)).toEqual([
      {
        name: DEFAULT_ACCOUNT,
        apiKey: 'k',
        baseUrl: 'https://api.elevenlabs.io',
        limits: { speech: 7, music: 2 },
      },
    ]);
    expect(accountRouting(config).accountOf('anyone')).toBe(DEFAULT_ACCOUNT);
    // The default account keeps the queue and key names of before accounts existed.
    expect(queueName('speech')).toBe('jobs-speech');
    expect(classQueueId('music', DEFAULT_ACCOUNT)).toBe('music');
  });

  it('routes listed tenants to their account, with its own limits and host', () => {
    const config = loadConfig({
      API_KEYS: 'alpha:ka,beta:kb,gamma:kc',
      MUSIC_CONCURRENCY: '3',
      UPSTREAM_ACCOUNTS: accounts([
        {
          name: 'team-b',
          api_key: SECRET,
          tenants: ['beta', 'gamma'],
          speech_concurrency: 1,
          base_url: 'https://api.eu.residency.elevenlabs.io',
        },
      ]),
    });
    const routing = accountRouting(config);
    expect(routing.names).toEqual([DEFAULT_ACCOUNT, 'team-b']);
    expect(['alpha', 'beta', 'gamma', 'local'].map((t) => routing.accountOf(t))).toEqual([
      DEFAULT_ACCOUNT,
      'team-b',
      'team-b',
      DEFAULT_ACCOUNT,
    ]);
    expect(upstreamAccounts(config)[1]).toEqual({
      name: 'team-b',
      apiKey: SECRET,
      baseUrl: 'https://api.eu.residency.elevenlabs.io',
      limits: { speech: 1, music: 3 },
    });
    expect(queueName('speech', 'team-b')).toBe('jobs-speech.team-b');
  });

  it('lists every problem, naming no key', () => {
    const problems = problemsOf({
      API_KEYS: 'alpha:ka,beta:kb',
      UPSTREAM_ACCOUNTS: accounts([
        { name: 'b', api_key: SECRET, tenants: ['beta', 'zeta'] },
        { name: 'b', api_key: `${SECRET}2`, tenants: ['beta'] },
        { name: 'default', api_key: `${SECRET}3`, tenants: ['alpha'] },
      ]),
    });
    expect(problems).toMatch(/tenant zeta has no key in API_KEYS/);
    expect(problems).toMatch(/account b is given twice/);
    expect(problems).toMatch(/tenant beta is in two accounts \(b, b\)/);
    expect(problems).toMatch(/"default" is reserved/);
    expect(problemsOf({ UPSTREAM_ACCOUNTS: `[{"name":"B_1","api_key":"${SECRET}"` })).toMatch(
      /UPSTREAM_ACCOUNTS: is not valid JSON/,
    );
    const shape = problemsOf({
      API_KEYS: 'alpha:ka',
      UPSTREAM_ACCOUNTS: accounts([
        { name: 'B_1', api_key: SECRET, tenants: [], music_concurrency: 0, extra: 1 },
      ]),
    });
    expect(shape).toMatch(/UPSTREAM_ACCOUNTS\.0\.name: must be 1-32 of a-z, 0-9 and -/);
    expect(shape).toMatch(/UPSTREAM_ACCOUNTS\.0\.tenants: must name at least one tenant/);
    expect(shape).toMatch(/UPSTREAM_ACCOUNTS\.0\.music_concurrency/);
    expect(shape).toMatch(/extra/);
    for (const text of [problems, shape]) expect(text).not.toContain(SECRET);
  });

  it('never logs an account key, whether the config or one account is logged', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        lines.push(chunk.toString('utf8'));
        callback();
      },
    });
    const logger = createLogger({ level: 'info', destination });
    const config = loadConfig({
      API_KEYS: 'beta:kb',
      UPSTREAM_ACCOUNTS: accounts([{ name: 'b', api_key: SECRET, tenants: ['beta'] }]),
    });
    logger.info(config, 'config');
    logger.info({ config }, 'nested config');
    logger.info({ account: upstreamAccounts(config)[1] }, 'one account');
    logger.info(upstreamAccounts(config)[1], 'an account as the line');
    expect(lines).toHaveLength(4);
    for (const line of lines) expect(line).not.toContain(SECRET);
  });
});
