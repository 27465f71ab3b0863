import type { ManifestProblem } from '../cli-errors.ts';
import { isPlainObject, type ManifestEntry } from './manifest-entry.ts';

/** A JSONL manifest: one job request object per line; blank lines are skipped. */
export function readJsonlManifest(text: string): {
  entries: ManifestEntry[];
  problems: ManifestProblem[];
} {
  const entries: ManifestEntry[] = [];
  const problems: ManifestProblem[] = [];
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  lines.forEach((raw, index) => {
    const line = index + 1;
    const source = raw.trim();
    if (source === '') return;
    let value: unknown;
    try {
      value = JSON.parse(source);
    } catch (error) {
      problems.push({ line, message: `not valid JSON: ${(error as Error).message}` });
      return;
    }
    if (!isPlainObject(value))
      problems.push({ line, message: 'must be a JSON object (a job request)' });
    else entries.push({ line, item: value, cells: new Set() });
  });
  if (entries.length === 0 && problems.length === 0)
    problems.push({ line: 1, message: 'the manifest is empty' });
  return { entries, problems };
}
