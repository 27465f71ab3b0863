import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEnvFile } from '../../../src/shared/env-file.ts';

describe('loadEnvFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'env-file-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('sets what the environment leaves unset, never overriding a variable already set', async () => {
    const path = join(dir, 'a.env');
    await writeFile(
      path,
      [
        '# a comment',
        'AUDIOBATCH_URL=http://127.0.0.1:4000',
        'AUDIOBATCH_API_KEY="k_from_file"',
        'EMPTY_IN_ENV=from-file',
        "QUOTED='two words'",
      ].join('\n'),
    );
    const env: Record<string, string | undefined> = {
      AUDIOBATCH_API_KEY: 'k_from_shell',
      EMPTY_IN_ENV: '',
    };
    const loaded = loadEnvFile(path, env);
    expect(loaded.sort()).toEqual(['AUDIOBATCH_URL', 'QUOTED']);
    expect(env).toEqual({
      AUDIOBATCH_URL: 'http://127.0.0.1:4000',
      AUDIOBATCH_API_KEY: 'k_from_shell',
      EMPTY_IN_ENV: '',
      QUOTED: 'two words',
    });
  });

  it('does nothing when the file does not exist', () => {
    const env = {};
    expect(loadEnvFile(join(dir, 'missing.env'), env)).toEqual([]);
    expect(env).toEqual({});
  });
});
