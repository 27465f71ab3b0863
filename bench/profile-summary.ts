import { readFile } from 'node:fs/promises';

/**
 * `npx tsx bench/profile-summary.ts <file.cpuprofile> [last-seconds]`: where a process spent
 * its CPU, as self time by function and by package (or our own src/ folder), top 25 of each;
 * with `last-seconds`, only the end of the run (the load, without start-up). Reads the
 * profiles `npm run bench -- --profile` writes.
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, lastArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: tsx bench/profile-summary.ts <file.cpuprofile>');
  process.exit(2);
}
const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const selfMicros = new Map<number, number>();
// Samples from the end backwards, until `last-seconds` of them are counted.
let window = lastArg === undefined ? Number.POSITIVE_INFINITY : Number(lastArg) * 1e6;
for (let i = profile.samples.length - 1; i >= 0 && window > 0; i -= 1) {
  const id = profile.samples[i]!;
  const delta = profile.timeDeltas[i] ?? 0;
  selfMicros.set(id, (selfMicros.get(id) ?? 0) + delta);
  window -= delta;
}
const total = [...selfMicros.values()].reduce((sum, n) => sum + n, 0);

const byFunction = new Map<string, number>();
const byPackage = new Map<string, number>();
for (const [id, micros] of selfMicros) {
  const frame = byId.get(id)?.callFrame;
  if (!frame) continue;
  const where = frame.url.replace(/^file:\/\//, '');
  const name = `${frame.functionName || '(anonymous)'} ${where.split('/').slice(-2).join('/')}:${frame.lineNumber + 1}`;
  byFunction.set(name, (byFunction.get(name) ?? 0) + micros);
  byPackage.set(
    packageOf(where, frame.functionName),
    (byPackage.get(packageOf(where, frame.functionName)) ?? 0) + micros,
  );
}

/** `node_modules/<pkg>`, our `dist/<folder>`, `node:` internals, or V8's own entries. */
function packageOf(path: string, functionName: string): string {
  const module = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (module) return module[1]!;
  const ours = /\/(?:dist|src)\/([^/]+)/.exec(path);
  if (ours) return `audiobatch ${ours[1]}`;
  if (path.startsWith('node:')) return 'node internals';
  return path === '' ? `(${functionName || 'native'})` : path;
}

const print = (title: string, table: Map<string, number>) => {
  console.log(`\n${title}`);
  for (const [name, micros] of [...table].sort((a, b) => b[1] - a[1]).slice(0, 25))
    console.log(`${((100 * micros) / total).toFixed(1).padStart(5)} %  ${name}`);
};
console.log(`${file}: ${(total / 1e6).toFixed(1)} s of samples`);
print('self time by package', byPackage);
print('self time by function', byFunction);
