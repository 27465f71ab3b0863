import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { productionNodeFlags } from '../../../bench/harness/production-flags.ts';

const read = (path: string) => readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8');

/**
 * The exec-form command (`["node", …]`, or YAML's `['node', …]`) that runs the service, on a
 * line of `file` that `prefix` starts.
 */
function serviceCommand(file: string, prefix: RegExp): unknown {
  const lines = read(file).matchAll(new RegExp(`${prefix.source}(\\[.*\\])$`, 'gm'));
  const commands = [...lines].map((line) => JSON.parse(line[1]!.replaceAll("'", '"')) as string[]);
  return commands.find((command) => command.includes('dist/main.js'));
}

describe('production node flags', () => {
  it('hold a worker to 4 MB semi-spaces, in start:prod, start:prod:worker and the Dockerfile', () => {
    const flags = productionNodeFlags('worker');
    // A young generation of 4 MB semi-spaces keeps a worker streaming 50 MB outputs under
    // 150 MB of RSS (B5); V8's default (16 MB) lets network buffers pile up between scavenges.
    expect(flags).toContain('--max-semi-space-size=4');
    expect(productionNodeFlags('all')).toEqual(flags);
    expect(serviceCommand('Dockerfile', /^ENTRYPOINT /)).toEqual([
      'node',
      ...flags,
      'dist/main.js',
    ]);
  });

  it('give the api 32 MB semi-spaces, in start:prod:api and docker-compose.yml', () => {
    const flags = productionNodeFlags('api');
    // A batch intake's per-item objects die young there instead of being promoted: B2's api
    // spent 15 % of its CPU in GC with 4 MB semi-spaces.
    expect(flags).toContain('--max-semi-space-size=32');
    expect(serviceCommand('docker-compose.yml', /^ {4}entrypoint: /)).toEqual([
      'node',
      ...flags,
      'dist/main.js',
    ]);
  });

  it('are followed by the role each script starts', () => {
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> })
      .scripts;
    expect(scripts['start:prod']?.endsWith('dist/main.js')).toBe(true);
    expect(scripts['start:prod:api']?.endsWith('dist/main.js api')).toBe(true);
    expect(scripts['start:prod:worker']?.endsWith('dist/main.js worker')).toBe(true);
  });
});
