import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';

/** A node process the bench started and owns: the compiled service or the simulator. */
export interface NodeProcess {
  readonly name: string;
  readonly pid: number;
  /** The first output line that matched the ready test. */
  readonly readyLine: string;
  /** Resident set size now and its peak so far (Linux `VmRSS`/`VmHWM`), bytes. */
  memory(): Promise<{ rss: number; peak: number }>;
  /** SIGTERM, wait for exit; SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/** How long a process may take to start on a loaded 2-core machine before the bench gives up. */
const START_TIMEOUT_MS = 120_000;
/** Output lines kept for the error of a process that died: enough to see why. */
const TAIL_LINES = 30;

/**
 * Spawns `node <args>` with exactly `env` (plus PATH and HOME) and resolves once a line of its
 * output passes `isReady`. Output is drained all along (a full pipe would block the process)
 * and only its tail is kept.
 */
export async function spawnNode(
  name: string,
  args: string[],
  env: Record<string, string>,
  isReady: (line: string) => boolean,
): Promise<NodeProcess> {
  const child = spawn(process.execPath, args, {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tail: string[] = [];
  const exited = once(child, 'exit');
  const readyLine = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} was not ready within ${START_TIMEOUT_MS} ms:\n${tail.join('\n')}`));
    }, START_TIMEOUT_MS);
    const onLine = (line: string) => {
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
      if (isReady(line)) {
        clearTimeout(timer);
        resolve(line);
      }
    };
    createInterface({ input: child.stdout }).on('line', onLine);
    createInterface({ input: child.stderr }).on('line', onLine);
    void exited.then(([code, signal]) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${String(signal ?? code)}):\n${tail.join('\n')}`));
    });
  });
  const pid = child.pid ?? -1;
  return {
    name,
    pid,
    readyLine,
    memory: () => processMemory(pid),
    stop: async (graceMs = 30_000) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** `VmRSS` and `VmHWM` (the kernel's own peak) of `pid`, bytes. */
export async function processMemory(pid: number): Promise<{ rss: number; peak: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
  return { rss: kb('VmRSS') * 1024, peak: kb('VmHWM') * 1024 };
}
