import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWalkthroughJob } from './walkthrough-job.ts';

const repo = resolve(import.meta.dirname, '../../..');

/**
 * `npm run start:prod` runs the output of `npm run build` with plain node, no tsx: the `.ts`
 * import specifiers must have been rewritten and nothing may need a TypeScript loader. The
 * build goes to its own folder under node_modules (packages resolve from there, and a
 * developer's dist/ is left alone), then the compiled all-in-one process serves a job.
 */
describe('the compiled service (npm run build, node dist/main.js)', () => {
  let outDir: string;
  let cwd: string;
  let child: ChildProcess | undefined;
  let url: string;
  const lines: string[] = [];

  beforeAll(async () => {
    outDir = join(repo, 'node_modules/.cache', `audiobatch-build-${process.pid}`);
    cwd = await mkdtemp(join(tmpdir(), 'audiobatch-prod-'));
    const tsc = join(repo, 'node_modules/typescript/bin/tsc');
    await promisify(execFile)(
      process.execPath,
      [tsc, '-p', join(repo, 'tsconfig.build.json'), '--outDir', outDir],
      { cwd: repo },
    );
    child = spawn(process.execPath, [join(outDir, 'main.js')], {
      cwd,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const started = child;
    url = await new Promise<string>((resolveUrl, reject) => {
      started.once('exit', (code) =>
        reject(new Error(`exited early with ${code}: ${lines.join('\n')}`)),
      );
      createInterface({ input: started.stdout! }).on('line', (line) => {
        lines.push(line);
        const entry = JSON.parse(line) as { msg?: string; url?: string };
        if (entry.msg === 'intake listening') resolveUrl(entry.url!);
      });
      createInterface({ input: started.stderr! }).on('line', (line) => lines.push(line));
    });
  }, 300_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((done) => child!.once('exit', done));
      child.kill('SIGTERM');
      await exited;
    }
    await rm(cwd, { recursive: true, force: true });
    await rm(outDir, { recursive: true, force: true });
  });

  it('runs without a TypeScript loader and serves a job end to end', async () => {
    const job = await runWalkthroughJob(url, 1);
    expect(job.status).toBe('succeeded');
    expect(job.audioStatus).toBe(200);
    expect(job.audio.byteLength).toBeGreaterThan(0);
  });

  it('measures what it adds to the upstream call (the bench reads this for B4)', async () => {
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(
      /^audiobatch_finish_overhead_seconds_count\{type="speech_to_speech"\} 1$/m,
    );
  });
});
