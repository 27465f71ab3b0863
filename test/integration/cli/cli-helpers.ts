import { execFileSync, spawn, type SpawnOptionsWithStdioTuple } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';

/** The repository root, where the `bin` shim lives. */
export const ROOT = resolve(import.meta.dirname, '../../..');
export const BIN = join(ROOT, 'bin/audiobatch.js');
export const EXAMPLES = join(ROOT, 'examples');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunCliOptions {
  tty?: boolean;
  /** Variables set (or, when undefined, removed) on top of this process's environment. */
  env?: Record<string, string | undefined>;
  /** Working directory (where the CLI looks for `.env`). */
  cwd?: string;
}

/**
 * Runs the `audiobatch` bin as a real child process against `url`. With `tty`, it runs under
 * util-linux `script`, so its stdout is a pseudo-terminal (stderr then arrives in `stdout`).
 */
export function runCli(url: string, args: string[], options: RunCliOptions = {}): Promise<CliRun> {
  const env: Record<string, string | undefined> = {
    ...process.env,
    AUDIOBATCH_URL: url,
    FORCE_COLOR: '0',
  };
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  const command = [process.execPath, BIN, ...args];
  const spawnOptions: SpawnOptionsWithStdioTuple<'ignore', 'pipe', 'pipe'> = {
    env,
    ...(options.cwd && { cwd: options.cwd }),
    stdio: ['ignore', 'pipe', 'pipe'],
  };
  const child = options.tty
    ? spawn('script', ['-qfec', command.map(shellQuote).join(' '), '/dev/null'], spawnOptions)
    : spawn(command[0] as string, command.slice(1), spawnOptions);
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  return new Promise((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('close', (code) =>
      resolvePromise({
        code,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      }),
    );
  });
}

/** True when util-linux `script` is installed (the pseudo-terminal test needs it). */
export function hasScript(): boolean {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function shellQuote(arg: string): string {
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** The batch id a `submit` printed. */
export function batchIdOf(run: CliRun): string {
  const match = /Batch (bat_[0-9a-z]+) created/.exec(run.stdout + run.stderr);
  if (!match?.[1]) throw new Error(`no batch id in:\n${run.stdout}\n${run.stderr}`);
  return match[1];
}

/** Every file under `dir`, relative path → sha256. */
export async function hashTree(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files.set(
      relative(dir, path),
      createHash('sha256')
        .update(await readFile(path))
        .digest('hex'),
    );
  }
  return files;
}
