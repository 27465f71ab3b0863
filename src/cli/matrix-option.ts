import { InvalidArgumentError } from 'commander';
import { z } from 'zod';
import { matrixAxes, type Matrix } from '../shared/batches/matrix.ts';
import { pathFitsType, schemasAt } from '../shared/batches/matrix-paths.ts';
import { UsageError } from './cli-errors.ts';
import { coerceCell } from './manifest/coerce-cells.ts';

/**
 * `--matrix PATH=VALUE,VALUE…`, once per axis: `--matrix params.voice_id=a,b,c` runs every
 * manifest item once per voice. Values are text, typed later by {@link typedMatrix}; a value
 * list starting with `[` is read as a JSON array instead (values with commas, objects).
 */
export function parseMatrixOption(option: string, previous: Matrix | undefined): Matrix {
  const equals = option.indexOf('=');
  const path = option.slice(0, equals).trim();
  if (equals < 1 || path === '')
    throw new InvalidArgumentError('must be PATH=VALUE,VALUE…, e.g. params.voice_id=a,b,c.');
  if (previous && Object.hasOwn(previous, path))
    throw new InvalidArgumentError(`gives ${path} twice; list all its values in one --matrix.`);
  const text = option.slice(equals + 1).trim();
  const values = text.startsWith('[') ? jsonValues(text) : text.split(',').map((v) => v.trim());
  if (values.length === 0 || values.some((value) => value === ''))
    throw new InvalidArgumentError(`${path}: every value must be non-empty.`);
  return { ...previous, [path]: values };
}

/**
 * The matrix with each text value turned into what the field takes, as CSV cells are
 * (coerce-cells.ts): `params.seed=1,2` sends numbers, `params.voice_id=123` stays text,
 * because the text fits a voice id. The field is looked up in `type`'s request schema; a
 * value that fits nothing is sent as given, for the service to refuse by name.
 */
export function typedMatrix(matrix: Matrix, type: unknown): Matrix {
  return Object.fromEntries(
    Object.entries(matrix).map(([path, values]) => {
      const schemas = schemasAt(type, path.split('.')) ?? [];
      return [path, values.map((value) => typed(value, schemas))];
    }),
  );
}

/**
 * Refuses, before anything is uploaded, a matrix the service would refuse: axes it cannot
 * use, and paths that are not a field of some manifest item's type.
 */
export function checkMatrix(matrix: Matrix, types: Iterable<unknown>): void {
  const { axes, problems } = matrixAxes(matrix);
  const lines = problems.map((p) => `${p.field}: ${p.message}`);
  for (const type of new Set(types))
    for (const axis of axes)
      if (!pathFitsType(type, axis.segments))
        lines.push(`--matrix ${axis.path}: is not a field of ${String(type)} items`);
  if (lines.length) throw new UsageError('The --matrix cannot apply to this manifest.', lines);
}

function typed(value: unknown, schemas: z.core.$ZodType[]): unknown {
  if (typeof value !== 'string') return value;
  const fits = (candidate: unknown) =>
    schemas.some((schema) => z.safeParse(schema, candidate).success);
  if (schemas.length === 0 || fits(value)) return value;
  for (const expected of ['number', 'boolean', 'object', 'array']) {
    const candidate = coerceCell(value, expected);
    if (candidate !== undefined && fits(candidate)) return candidate;
  }
  return value;
}

function jsonValues(text: string): unknown[] {
  let values: unknown;
  try {
    values = JSON.parse(text);
  } catch {
    throw new InvalidArgumentError('a value list starting with [ must be a JSON array.');
  }
  if (!Array.isArray(values))
    throw new InvalidArgumentError('a value list starting with [ must be a JSON array.');
  return values as unknown[];
}
