import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodedDurationSeconds } from './audio-fixtures.ts';
import { runWalkthroughJob } from './walkthrough-job.ts';

const repo = resolve(import.meta.dirname, '../../..');

/**
 * `npm start` as a new user runs it: a real process, an empty environment (no Redis URL, no
 * storage URL, no upstream key) in an empty folder. It must start its own Redis, store under
 * ./data, answer upstream calls with the simulator, serve a job end to end, and stop cleanly.
 */
describe('npm start on embedded defaults', () => {
  let cwd: string;
  let child: ChildProcess;
  let url: string;
  let redisPort: number;
  const lines: string[] = [];

  beforeAll(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'audiobatch-start-'));
    child = spawn(join(repo, 'node_modules/.bin/tsx'), [join(repo, 'src/main.ts')], {
      cwd,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const ready = new Promise<void>((resolvePromise, reject) => {
      child.once('exit', (code) =>
        reject(new Error(`exited early with ${code}: ${lines.join('\n')}`)),
      );
      createInterface({ input: child.stdout! }).on('line', (line) => {
        lines.push(line);
        const entry = JSON.parse(line) as { msg?: string; url?: string };
        if (entry.msg?.startsWith('REDIS_URL unset')) redisPort = Number(new URL(entry.url!).port);
        if (entry.msg === 'intake listening') {
          url = entry.url!;
          resolvePromise();
        }
      });
      createInterface({ input: child.stderr! }).on('line', (line) => lines.push(line));
    });
    await ready;
  }, 60_000);

  afterAll(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await rm(cwd, { recursive: true, force: true });
  });

  it('says the simulator is in use, and binds to loopback', () => {
    expect(lines.join('\n')).toMatch(/SIMULATOR/);
    expect(new URL(url).hostname).toBe('127.0.0.1');
  });

  it('serves a speech-to-speech job end to end', async () => {
    const { id, status, audio } = await runWalkthroughJob(url, 1.5);
    expect(status).toBe('succeeded');
    expect(await decodedDurationSeconds(audio, 'audio/mpeg')).toBeCloseTo(1.5, 0);
    expect((await stat(join(cwd, 'data/objects/jobs', id, 'job.json'))).isFile()).toBe(true);
    expect((await stat(join(cwd, 'data/redis'))).isDirectory()).toBe(true);
  });

  it('stops on SIGTERM, taking its Redis with it', async () => {
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const refused = await new Promise<boolean>((done) => {
      const socket = connect(redisPort, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        done(false);
      });
      socket.once('error', () => done(true));
    });
    expect(refused).toBe(true);
  });
});
