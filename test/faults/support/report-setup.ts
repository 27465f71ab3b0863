import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import globalSetup from '../../support/global-setup.ts';
import { REPORT_DIR } from './scenario.ts';

/**
 * The fault suite's global setup: the run's S3 server (and Redis, unused by scenarios that
 * start their own) from the shared setup, a fresh report folder, and at the end one summary
 * line per scenario with its figures (what RELIABILITY.md quotes).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  rmSync(REPORT_DIR, { recursive: true, force: true });
  mkdirSync(REPORT_DIR, { recursive: true });
  const teardown = await globalSetup(project);
  return async () => {
    await teardown();
    const files = readdirSync(REPORT_DIR).filter((name) => name.endsWith('.json'));
    if (files.length === 0) return;
    console.log(`\nfault suite figures (${REPORT_DIR}):`);
    for (const name of files.sort()) {
      console.log(readFileSync(join(REPORT_DIR, name), 'utf8').replace(/\s+/g, ' '));
    }
  };
}
