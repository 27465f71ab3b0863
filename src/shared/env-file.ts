import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';

/**
 * Loads `KEY=value` lines from an env file (default `.env` in the working directory) into
 * `env`, for both the service and the CLI. A variable already set wins: the file holds
 * defaults for this checkout, the real environment (a shell, compose, CI) overrides them.
 * A missing file is not an error. Returns the names it set, so the caller can say so.
 *
 * Parsed by Node's own `util.parseEnv` (the `--env-file` grammar: quotes, comments, `export`
 * is not supported), so one file means the same thing to `node --env-file` and to us.
 */
export function loadEnvFile(
  path = '.env',
  env: Record<string, string | undefined> = process.env,
): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return [];
    throw error;
  }
  const loaded: string[] = [];
  for (const [name, value] of Object.entries(parseEnv(text))) {
    if (value === undefined || env[name] !== undefined) continue;
    env[name] = value;
    loaded.push(name);
  }
  return loaded;
}
