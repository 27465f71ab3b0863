import type { BatchDryRun } from '../api-schemas.ts';
import { batchSubmission, sendManifest, type BatchShapeOptions } from '../batch-submission.ts';
import { EXIT, type ExitCode } from '../cli-errors.ts';
import type { CommandContext } from '../command-context.ts';
import { formatCharacters, plural } from '../format.ts';
import { readDefaults, readManifest, type Manifest } from '../manifest/read-manifest.ts';
import { describeUploads, uploadInputs } from '../upload-inputs.ts';

export interface EstimateOptions extends BatchShapeOptions {
  json: boolean;
}

/**
 * `estimate`: what `submit` with the same manifest and options would cost, from the service's
 * batch dry run (the one estimate the service also records), before anything is submitted.
 * Local input files are uploaded first: the service can only check and measure what it has.
 */
export async function estimateCommand(
  ctx: CommandContext,
  file: string,
  options: EstimateOptions,
): Promise<ExitCode> {
  const say = options.json ? ctx.printError : ctx.print;
  const defaults = options.defaults ? await readDefaults(options.defaults) : undefined;
  const manifest = await readManifest(file, defaults, options.matrix);
  const uploads = describeUploads(
    await uploadInputs(ctx.client, manifest.items),
    ' to measure them',
  );
  if (uploads) say(uploads);

  const submission = batchSubmission(manifest, defaults, options);
  const dryRun = await sendManifest(manifest, () => ctx.client.dryRunBatch(submission));
  if (options.json) ctx.print(JSON.stringify(dryRun.estimate, null, 2));
  else for (const line of estimateTable(manifest, dryRun)) ctx.print(line);
  return EXIT.ok;
}

/**
 * One row per item (its manifest line, custom_id, type, characters), then the total; with a
 * matrix, one row per combination, each on the line of the item it came from.
 */
function estimateTable(manifest: Manifest, { estimate }: BatchDryRun): string[] {
  const combinations = Object.values(manifest.matrix ?? {}).reduce((n, v) => n * v.length, 1);
  const rows = estimate.items.map(({ index, custom_id, characters }) => {
    const item = manifest.items[Math.floor(index / combinations)];
    return [
      String(item?.line ?? index),
      custom_id ?? '–',
      typeof item?.item.type === 'string' ? item.item.type : '',
      characters === null ? 'unknown' : characters.toLocaleString('en-US'),
    ];
  });
  const header = ['line', 'custom_id', 'type', 'characters'];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)),
  );
  const format = (row: string[]) =>
    row
      .map((cell, column) =>
        column === row.length - 1
          ? cell.padStart(widths[column] ?? 0)
          : cell.padEnd(widths[column] ?? 0),
      )
      .join('  ');
  const unknown =
    estimate.unknown_items === 0
      ? ''
      : ` (${plural(estimate.unknown_items, 'item')} unknown: input duration known only once run)`;
  return [
    format(header),
    ...rows.map(format),
    `Total: ${plural(rows.length, 'item')}, ${formatCharacters(estimate.characters)}${unknown}.`,
  ];
}
