import { statSync } from 'node:fs';
import type { z } from 'zod';
import { jobRequestSchema } from '../../shared/jobs/job-request.ts';
import type { ManifestProblem } from '../cli-errors.ts';
import { getPath } from './cell-paths.ts';
import { parseWithCellCoercion } from './coerce-cells.ts';
import { classifyInput, PLACEHOLDER_UPLOAD_ID } from './input-ref.ts';
import type { ManifestEntry } from './manifest-entry.ts';
import { mergeDefaults } from '../../shared/batches/item-defaults.ts';
import { expandItem, matrixAxes, type Matrix } from '../../shared/batches/matrix.ts';

/** A manifest item that passed validation, ready to send once its input is uploaded. */
export interface PreparedItem {
  line: number;
  customId: string;
  /** The item as it will be sent (cells coerced); `input` is set after the upload. */
  item: Record<string, unknown>;
  /** Absolute path of a local input file to upload first, or null. */
  localInput: string | null;
}

/**
 * Checks every entry the way the intake will (defaults merged under it, the job request
 * schema, unique custom_ids), plus what only the CLI can check: that local input files exist.
 * Every problem is collected with its line number; the caller submits nothing unless none.
 * With a matrix, each item is checked as its first combination (the service checks them all).
 */
export function prepareItems(
  entries: readonly ManifestEntry[],
  defaults: Record<string, unknown> | undefined,
  baseDir: string,
  matrix?: Matrix,
): { items: PreparedItem[]; problems: ManifestProblem[] } {
  // The first value of each axis: one combination stands for the item's others.
  const firstOnly = matrix
    ? matrixAxes(matrix).axes.map((axis) => ({
        ...axis,
        values: axis.values.slice(0, 1),
        labels: axis.labels.slice(0, 1),
      }))
    : [];
  const items: PreparedItem[] = [];
  const problems: ManifestProblem[] = [];
  const seen = new Map<string, number>();
  const files = new Map<string, string | null>();
  entries.forEach(({ line, item, cells }, index) => {
    const before = problems.length;
    let localInput: string | null = null;
    if (typeof item.input === 'string') {
      const ref = classifyInput(item.input, baseDir);
      if (ref.kind === 'file') {
        const missing = fileProblem(ref.path, files);
        if (missing) problems.push({ line, field: 'input', message: missing });
        localInput = ref.path;
        item.input = { upload_id: PLACEHOLDER_UPLOAD_ID };
      } else {
        const { kind: _kind, ...input } = ref;
        item.input = input;
      }
    }
    const withDefaults = mergeDefaults(defaults ?? {}, item);
    const merged = firstOnly.length
      ? (expandItem(withDefaults, '', firstOnly)[0] as Record<string, unknown>)
      : withDefaults;
    if (firstOnly.length) merged.custom_id = withDefaults.custom_id;
    // The intake names an item without custom_id after its index: so do downloads.
    const customId = typeof merged.custom_id === 'string' ? merged.custom_id : `item-${index}`;
    const first = seen.get(customId);
    if (first !== undefined) {
      problems.push({
        line,
        field: 'custom_id',
        message: `"${customId}" is also the custom_id of line ${first}`,
      });
    } else seen.set(customId, line);

    const result = parseWithCellCoercion(jobRequestSchema, merged, item, cells);
    if (!result.success) problems.push(...issueProblems(line, result.error.issues, merged));
    if (problems.length === before) items.push({ line, customId, item, localInput });
  });
  return { items, problems };
}

/** Why a local input cannot be uploaded, or null (each path checked once). */
function fileProblem(path: string, cache: Map<string, string | null>): string | null {
  if (!cache.has(path)) {
    let problem: string | null = null;
    try {
      if (!statSync(path).isFile()) problem = `${path} is not a file`;
    } catch {
      problem = `file not found: ${path}`;
    }
    cache.set(path, problem);
  }
  return cache.get(path) ?? null;
}

/** zod's issues as manifest problems, worded for someone editing a file. */
function issueProblems(
  line: number,
  issues: readonly z.core.$ZodIssue[],
  merged: Record<string, unknown>,
): ManifestProblem[] {
  return issues.flatMap((issue): ManifestProblem[] => {
    const path = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        line,
        field: [...path, key].join('.'),
        message: 'is not a known field',
      }));
    }
    return [{ line, field: path.join('.') || '(item)', message: messageOf(issue, merged) }];
  });
}

function messageOf(issue: z.core.$ZodIssue, merged: Record<string, unknown>): string {
  if (issue.code === 'invalid_union' && 'discriminator' in issue && issue.path.length === 1) {
    const value = merged[String(issue.path[0])];
    const options = ((issue as { options?: unknown[] }).options ?? []).map(String);
    const given =
      value === undefined ? 'is required' : `${JSON.stringify(value)} is not a job type`;
    return `${given}; one of ${options.join(', ')}`;
  }
  if (issue.code === 'invalid_type') {
    if (issue.message.endsWith('received undefined')) return 'is required';
    const value = getPath(merged, issue.path);
    if (typeof value === 'string') return `expected ${issue.expected}, got "${value}"`;
  }
  return issue.message;
}
