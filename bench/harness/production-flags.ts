import { readFileSync } from 'node:fs';

/**
 * The node flags production starts the service with: those of `npm run start:prod` in
 * package.json (`node <flags> dist/main.js`), so the bench measures the process production runs
 * and the flags are written in one place (the Dockerfile repeats them, checked by a unit test).
 */
export function productionNodeFlags(
  packageJson = new URL('../../package.json', import.meta.url),
): string[] {
  const { scripts } = JSON.parse(readFileSync(packageJson, 'utf8')) as {
    scripts: Record<string, string>;
  };
  const words = (scripts['start:prod'] ?? '').split(/\s+/);
  const main = words.indexOf('dist/main.js');
  if (words[0] !== 'node' || main < 0)
    throw new Error(`start:prod is not "node <flags> dist/main.js": ${scripts['start:prod']}`);
  return words.slice(1, main);
}
