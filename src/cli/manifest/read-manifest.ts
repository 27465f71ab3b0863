import { readFile } from 'node:fs/promises';
import { dirname, extname, resolve } from 'node:path';
import { mergeDefaults } from '../../shared/batches/item-defaults.ts';
import type { Matrix } from '../../shared/batches/matrix.ts';
import { ManifestError, UsageError } from '../cli-errors.ts';
import { checkMatrix, typedMatrix } from '../matrix-option.ts';
import { readCsvManifest } from './csv-manifest.ts';
import { readJsonlManifest } from './jsonl-manifest.ts';
import { isPlainObject } from './manifest-entry.ts';
import { prepareItems, type PreparedItem } from './prepare-items.ts';

export interface Manifest {
  file: string;
  items: PreparedItem[];
  /** The `--matrix` axes, values typed for the first item's type; absent without one. */
  matrix?: Matrix | undefined;
}

/**
 * Reads and validates a manifest (`.csv`, or `.jsonl` / `.ndjson`) with its defaults and
 * matrix (each item checked with the matrix's first combination written into it). Throws
 * ManifestError listing every problem by line, so nothing is submitted.
 */
export async function readManifest(
  file: string,
  defaults: Record<string, unknown> | undefined,
  matrix?: Matrix,
): Promise<Manifest> {
  const path = resolve(file);
  const format = formatOf(path);
  const text = await readText(path, 'manifest');
  const read = format === 'csv' ? readCsvManifest(text) : readJsonlManifest(text);
  if (read.problems.length) throw new ManifestError(file, read.problems);
  if (matrix)
    checkMatrix(
      matrix,
      read.entries.map((entry) => mergeDefaults(defaults ?? {}, entry.item).type),
    );
  const first = read.entries[0];
  const typed =
    matrix && first ? typedMatrix(matrix, mergeDefaults(defaults ?? {}, first.item).type) : matrix;
  const prepared = prepareItems(read.entries, defaults, dirname(path), typed);
  if (prepared.problems.length) throw new ManifestError(file, prepared.problems);
  return { file, items: prepared.items, matrix: typed };
}

/** The `--defaults` file: a JSON object merged under every item (the batch's `defaults`). */
export async function readDefaults(file: string): Promise<Record<string, unknown>> {
  const text = await readText(resolve(file), 'defaults file');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file}: not valid JSON: ${(error as Error).message}`);
  }
  if (!isPlainObject(value))
    throw new UsageError(`${file}: must be a JSON object of job request fields`);
  if (value.input !== undefined && !isPlainObject(value.input)) {
    throw new UsageError(
      `${file}: input must be {"upload_id": …} or {"url": …} (local files go in the manifest)`,
    );
  }
  return value;
}

function formatOf(path: string): 'csv' | 'jsonl' {
  const extension = extname(path).toLowerCase();
  if (extension === '.csv') return 'csv';
  if (extension === '.jsonl' || extension === '.ndjson') return 'jsonl';
  throw new UsageError(`${path}: a manifest is a .csv or a .jsonl (.ndjson) file`);
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new UsageError(`Cannot read the ${what} ${path}${code ? ` (${code})` : ''}.`);
  }
}
