import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));
/**
 * How long a process may take to start: compiling the service with tsx takes seconds idle and
 * far longer on a machine loaded with other suites; a process that never starts fails anyway.
 */
const START_TIMEOUT_MS = 120_000;
const SERVICE_MAIN = fileURLToPath(new URL('./service-main.ts', import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** One parsed pino line of a worker process, with the time it was read. */
export type LogLine = Record<string, unknown> & { msg?: string; time?: number };

/** A real `src/main.ts worker` or `src/main.ts api` process. */
export interface WorkerProcess {
  readonly name: string;
  readonly pid: number;
  /** Every log line so far, parsed (non-JSON output is kept as `{ msg }`). */
  readonly lines: LogLine[];
  /** Resolves when the process exits, with its code or signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The first line (past or future) matching `predicate`; rejects after `timeoutMs`. */
  waitForLine(predicate: (line: LogLine) => boolean, timeoutMs: number): Promise<LogLine>;
  kill(signal: NodeJS.Signals): void;
  readonly alive: boolean;
}

/** An api process: the intake's URL once it listens. */
export interface ApiProcess extends WorkerProcess {
  readonly url: string;
}

/** Spawns `src/main.ts api` with `env` and resolves once it logs "intake listening". */
export async function spawnApi(
  name: string,
  env: Record<string, string>,
  startTimeoutMs = START_TIMEOUT_MS,
): Promise<ApiProcess> {
  const { process, ready } = await spawnService(
    name,
    'api',
    env,
    'intake listening',
    startTimeoutMs,
  );
  return Object.assign(process, { url: String(ready.url) });
}

/**
 * Spawns a worker process with `env` (and nothing inherited but PATH and HOME: the config is
 * exactly what the scenario says) and resolves once it logs "workers consuming".
 */
export async function spawnWorker(
  name: string,
  env: Record<string, string>,
  startTimeoutMs = START_TIMEOUT_MS,
): Promise<WorkerProcess> {
  return (await spawnService(name, 'worker', env, 'workers consuming', startTimeoutMs)).process;
}

/**
 * Spawns `src/main.ts <role>` with `env` and resolves once it logs `readyMessage` (with that
 * line): for processes whose readiness says something else than the usual start line.
 */
export async function spawnService(
  name: string,
  role: 'worker' | 'api',
  env: Record<string, string>,
  readyMessage: string,
  startTimeoutMs = START_TIMEOUT_MS,
): Promise<{ process: WorkerProcess; ready: LogLine }> {
  const child: ChildProcess = spawn(process.execPath, ['--import', TSX, SERVICE_MAIN, role], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  // The channel is a lifeline only (see service-main.ts): never keep the runner alive for it.
  child.channel?.unref();
  const lines: LogLine[] = [];
  const listeners = new Set<(line: LogLine) => void>();
  const onText = (text: string) => {
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch {
      line = { msg: text, time: Date.now() };
    }
    lines.push(line);
    for (const listener of listeners) listener(line);
  };
  if (child.stdout) createInterface({ input: child.stdout }).on('line', onText);
  if (child.stderr) createInterface({ input: child.stderr }).on('line', onText);
  const exited = once(child, 'exit').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }));

  const waitForLine = (predicate: (line: LogLine) => boolean, timeoutMs: number) =>
    new Promise<LogLine>((resolve, reject) => {
      const found = lines.find(predicate);
      if (found) return resolve(found);
      const timer = setTimeout(() => {
        listeners.delete(listener);
        reject(new Error(`${name}: no matching log line within ${timeoutMs} ms`));
      }, timeoutMs);
      const listener = (line: LogLine) => {
        if (!predicate(line)) return;
        clearTimeout(timer);
        listeners.delete(listener);
        resolve(line);
      };
      listeners.add(listener);
    });

  const worker: WorkerProcess = {
    name,
    pid: child.pid ?? -1,
    lines,
    exited,
    waitForLine,
    kill: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    get alive() {
      return child.exitCode === null && child.signalCode === null;
    },
  };
  const started = waitForLine((line) => line.msg === readyMessage, startTimeoutMs);
  const died = exited.then(({ code, signal }) => {
    const tail = lines
      .slice(-10)
      .map((line) => JSON.stringify(line))
      .join('\n');
    throw new Error(`${name} exited (${signal ?? code}) before it was ready:\n${tail}`);
  });
  let ready: LogLine;
  try {
    ready = await Promise.race([started, died]);
  } catch (error) {
    worker.kill('SIGKILL');
    throw error;
  }
  died.catch(() => undefined);
  return { process: worker, ready };
}
