import { parse } from 'csv-parse/sync';
import type { ManifestProblem } from '../cli-errors.ts';
import { columnPath, setPath } from './cell-paths.ts';
import type { ManifestEntry } from './manifest-entry.ts';

/**
 * A CSV manifest: a header naming fields (see cell-paths.ts), then one item per row. Empty
 * cells are absent fields (so `--defaults` fills them); `#` starts a comment line; cells are
 * trimmed. Parsed by csv-parse (quoted cells may hold commas, quotes and newlines).
 */
export function readCsvManifest(text: string): {
  entries: ManifestEntry[];
  problems: ManifestProblem[];
} {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, {
      bom: true,
      info: true,
      trim: true,
      skip_empty_lines: true,
      comment: '#',
      comment_no_infix: true,
      relax_column_count: true,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (error) {
    const line = (error as { lines?: number }).lines ?? 1;
    return {
      entries: [],
      problems: [{ line, message: `not valid CSV: ${(error as Error).message}` }],
    };
  }
  const [header, ...rows] = records;
  if (!header) return { entries: [], problems: [{ line: 1, message: 'the manifest is empty' }] };

  const headerLine = startLine(header);
  const problems: ManifestProblem[] = [];
  const paths = header.record.map((column) => {
    const mapped = columnPath(column);
    if ('problem' in mapped)
      problems.push({ line: headerLine, field: `column "${column}"`, message: mapped.problem });
    return 'path' in mapped ? mapped.path : null;
  });
  const seen = new Set<string>();
  for (const column of header.record) {
    if (seen.has(column))
      problems.push({ line: headerLine, field: `column "${column}"`, message: 'appears twice' });
    seen.add(column);
  }
  if (problems.length) return { entries: [], problems };

  const entries: ManifestEntry[] = [];
  for (const row of rows) {
    const line = startLine(row);
    if (row.record.length > header.record.length) {
      problems.push({
        line,
        message: `has ${row.record.length} cells; the header names ${header.record.length} columns`,
      });
      continue;
    }
    const item: Record<string, unknown> = {};
    const cells = new Set<string>();
    row.record.forEach((cell, i) => {
      const path = paths[i];
      if (!path || cell === '') return;
      setPath(item, path, cell);
      cells.add(path.join('.'));
    });
    entries.push({ line, item, cells });
  }
  if (entries.length === 0 && problems.length === 0) {
    problems.push({ line: headerLine, message: 'the manifest has a header but no items' });
  }
  return { entries, problems };
}

/** csv-parse reports the line a record ends on; a quoted cell with newlines started earlier. */
function startLine({ record, info }: { record: string[]; info: { lines: number } }): number {
  const inner = record.reduce((sum, cell) => sum + (cell.match(/\n/g)?.length ?? 0), 0);
  return info.lines - inner;
}
