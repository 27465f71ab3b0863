import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sineWav } from './audio-fixtures.ts';

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
    const uploaded = (await (
      await fetch(`${url}/v1/uploads`, {
        method: 'POST',
        headers: { 'content-type': 'audio/wav' },
        body: sineWav(1),
      })
    ).json()) as { id: string };
    const created = await fetch(`${url}/v1/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'speech_to_speech',
        params: { voice_id: 'JBFqnCBsd6RMkjVDRZzb' },
        input: { upload_id: uploaded.id },
      }),
    });
    expect(created.status).toBe(202);
    const { id } = (await created.json()) as { id: string };
    let job = { status: 'queued' };
    for (let i = 0; i < 10 && job.status !== 'succeeded' && job.status !== 'failed'; i++) {
      job = (await (await fetch(`${url}/v1/jobs/${id}?wait=10`)).json()) as { status: string };
    }
    expect(job.status).toBe('succeeded');
    const audio = await fetch(`${url}/v1/jobs/${id}/outputs/audio`);
    expect(audio.status).toBe(200);
    expect((await audio.arrayBuffer()).byteLength).toBeGreaterThan(0);
  });

  it('measures what it adds to the upstream call (the bench reads this for B4)', async () => {
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(
      /^audiobatch_finish_overhead_seconds_count\{type="speech_to_speech"\} 1$/m,
    );
  });
});
