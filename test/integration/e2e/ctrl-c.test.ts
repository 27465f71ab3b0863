import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { isAlive } from '../../../src/runtime/stale-redis.ts';
import { waitUntil } from '../../support/eventually.ts';

const repo = resolve(import.meta.dirname, '../../..');

/** The process group id: field 5 of /proc/<pid>/stat, after the parenthesized name. */
async function processGroupOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
}

/**
 * Ctrl-C on a real `npm start`: the terminal sends SIGINT to its whole foreground process
 * group (npm, sh, tsx, node, and formerly the embedded redis-server too). The service must
 * shut down once, in order, and take its Redis with it.
 */
describe('Ctrl-C on npm start', () => {
  let dir: string;
  let pgid = 0;
  afterAll(async () => {
    if (pgid && isAlive(pgid)) process.kill(-pgid, 'SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('shuts down cleanly on SIGINT to the process group, leaving no redis-server', async () => {
    dir = await mkdtemp(join(tmpdir(), 'audiobatch-ctrl-c-'));
    const child = spawn('npm', ['--prefix', repo, 'start'], {
      // A group of its own, as a terminal gives its foreground job.
      detached: true,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        PORT: '0',
        LOG_FORMAT: 'json',
        REDIS_DATA_DIR: join(dir, 'redis'),
        STORAGE_URL: `file://${join(dir, 'objects')}`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    pgid = child.pid!;
    const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
    const messages: string[] = [];
    const output: string[] = [];
    for (const stream of [child.stdout, child.stderr])
      createInterface({ input: stream }).on('line', (line) => {
        output.push(line);
        if (line.startsWith('{')) messages.push((JSON.parse(line) as { msg: string }).msg);
      });
    await waitUntil('the intake listens', () => messages.includes('intake listening'), {
      timeoutMs: 120_000,
    });
    const redisPid = Number(await readFile(join(dir, 'redis/audiobatch-redis.pid'), 'utf8'));
    expect(isAlive(redisPid)).toBe(true);
    // Out of the terminal's group: the Ctrl-C reaches only the service, which stops it last.
    expect(await processGroupOf(redisPid)).not.toBe(pgid);

    process.kill(-pgid, 'SIGINT');
    // npm itself ends the way shells expect of a Ctrl-C: by the signal, re-raised.
    const [code, signal] = await exited;
    expect([code, signal], output.join('\n')).toEqual(code === 0 ? [0, null] : [null, 'SIGINT']);
    expect(messages, output.join('\n')).toContain('stopped: every job handed back or finished');
    expect(messages.filter((msg) => msg.startsWith('shutting down'))).toHaveLength(1);
    for (const unwanted of [
      'second signal',
      'stop step failed',
      'worker error',
      'Redis connection lost',
    ])
      expect(
        messages.filter((msg) => msg.startsWith(unwanted)),
        output.join('\n'),
      ).toEqual([]);
    await waitUntil('the embedded redis-server is gone', () => !isAlive(redisPid));
    await expect(stat(join(dir, 'redis/audiobatch-redis.pid'))).rejects.toThrow();
  }, 240_000);
});
