import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { productionNodeFlags } from '../../../bench/harness/production-flags.ts';

const read = (path: string) => readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8');

describe('production node flags', () => {
  it('are the same in every start:prod script and in the Dockerfile', () => {
    const flags = productionNodeFlags();
    // A young generation of 4 MB semi-spaces keeps a worker streaming 50 MB outputs under
    // 150 MB of RSS (B5); V8's default (16 MB) lets network buffers pile up between scavenges.
    expect(flags).toContain('--max-semi-space-size=4');
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> })
      .scripts;
    for (const name of ['start:prod', 'start:prod:api', 'start:prod:worker'])
      expect(scripts[name]?.startsWith(['node', ...flags, 'dist/main.js'].join(' ')), name).toBe(
        true,
      );
    const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(read('Dockerfile'))?.[1];
    expect(JSON.parse(entrypoint ?? '[]')).toEqual(['node', ...flags, 'dist/main.js']);
  });
});
