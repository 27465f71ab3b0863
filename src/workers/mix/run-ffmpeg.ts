import { spawn } from 'node:child_process';
import { MixFailedError } from './mix-errors.ts';

/** What ffmpeg reported about the output it wrote. */
export interface FfmpegRun {
  /** Duration of the written output in seconds, from the last progress report; null if none. */
  outTimeSeconds: number | null;
}

/** Enough of stderr to hold ffmpeg's error lines without keeping a long log in memory. */
const STDERR_TAIL_CHARS = 4_000;

/**
 * Runs ffmpeg with an argument array (never a shell: paths and values are passed as they are).
 * Progress goes to stdout (`-progress pipe:1`) for the output's duration; errors only on stderr,
 * whose tail becomes the MixFailedError. On abort the process is killed at once (SIGKILL: an
 * encoder has nothing to flush that a canceled job wants) and the signal's reason is thrown.
 */
export async function runFfmpeg(
  binary: string,
  args: readonly string[],
  signal?: AbortSignal,
): Promise<FfmpegRun> {
  signal?.throwIfAborted();
  const child = spawn(
    binary,
    ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error', '-progress', 'pipe:1', ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  let progress = '';
  let outTimeSeconds: number | null = null;
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_TAIL_CHARS);
  });
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    const lines = (progress + chunk).split('\n');
    progress = lines.pop() ?? '';
    for (const line of lines) outTimeSeconds = parseOutTime(line) ?? outTimeSeconds;
  });
  const onAbort = () => child.kill('SIGKILL');
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const exitCode = await new Promise<number | null>((resolve, reject) => {
      child.once('error', (error) => reject(new MixFailedError(null, error.message, error)));
      child.once('close', (code) => resolve(code));
    });
    signal?.throwIfAborted();
    if (exitCode !== 0) throw new MixFailedError(exitCode, stderr);
    return { outTimeSeconds };
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/** `out_time=HH:MM:SS.micro`, in both ffmpeg 4.1 and later (unlike `out_time_us`). */
function parseOutTime(line: string): number | null {
  const match = /^out_time=(\d+):(\d{2}):(\d{2}(?:\.\d+)?)\s*$/.exec(line);
  if (!match) return null;
  return Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3]);
}
