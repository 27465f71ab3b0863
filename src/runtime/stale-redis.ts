import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../shared/logger.ts';

/**
 * The embedded redis-server outlives an all-in-one process that was killed hard (SIGKILL,
 * OOM). A second one on the same data folder would fight it over the AOF files, so its pid is
 * kept beside the data and a stale one is stopped before a new one starts.
 */
const PID_FILE = 'audiobatch-redis.pid';

export async function stopStaleRedis(dir: string, logger: Logger): Promise<void> {
  const pid = Number(await readFile(join(dir, PID_FILE), 'utf8').catch(() => ''));
  if (!Number.isInteger(pid) || pid <= 0) return;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (!cmdline.includes('redis-server')) return; // gone, or the pid now belongs to another program
  logger.warn({ pid }, 'stopping the redis-server a previous run left behind');
  process.kill(pid, 'SIGTERM');
  for (let waited = 0; waited < 10_000 && isAlive(pid); waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function rememberRedisPid(dir: string, pid: number): Promise<void> {
  await writeFile(join(dir, PID_FILE), String(pid));
}

export async function forgetRedisPid(dir: string): Promise<void> {
  await rm(join(dir, PID_FILE), { force: true });
}

/** True while a process with this pid exists (signal 0 only checks). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
