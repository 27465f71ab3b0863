import { readFileSync } from 'node:fs';

/** The processes production starts: both roles in one, or one role each. */
export type ProductionRole = 'all' | 'api' | 'worker';

const SCRIPTS: Record<ProductionRole, string> = {
  all: 'start:prod',
  api: 'start:prod:api',
  worker: 'start:prod:worker',
};

/**
 * The node flags production starts `role` with: those of its `npm run start:prod…` script in
 * package.json (`node <flags> dist/main.js [role]`), so the bench measures the process
 * production runs and the flags are written in one place (the Dockerfile and docker-compose.yml
 * repeat them, checked by a unit test).
 */
export function productionNodeFlags(
  role: ProductionRole,
  packageJson = new URL('../../package.json', import.meta.url),
): string[] {
  const { scripts } = JSON.parse(readFileSync(packageJson, 'utf8')) as {
    scripts: Record<string, string>;
  };
  const script = scripts[SCRIPTS[role]] ?? '';
  const words = script.split(/\s+/);
  const main = words.indexOf('dist/main.js');
  if (words[0] !== 'node' || main < 0)
    throw new Error(`${SCRIPTS[role]} is not "node <flags> dist/main.js": ${script}`);
  return words.slice(1, main);
}
