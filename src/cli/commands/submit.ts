import { batchSubmission, sendManifest, type BatchShapeOptions } from '../batch-submission.ts';
import { EXIT, type ExitCode } from '../cli-errors.ts';
import type { CommandContext } from '../command-context.ts';
import { formatCharacters, plural } from '../format.ts';
import { readDefaults, readManifest } from '../manifest/read-manifest.ts';
import { describeUploads, uploadInputs } from '../upload-inputs.ts';
import { estimateCommand } from './estimate.ts';
import { watchBatch, type WatchOptions } from './watch.ts';

export interface SubmitOptions extends WatchOptions, BatchShapeOptions {
  wait: boolean;
  /** Print what it would cost and submit nothing: exactly `estimate`. */
  dryRun: boolean;
}

/**
 * `submit`: validate the whole manifest locally (nothing is sent unless every line passes),
 * upload local input files, create the batch, and with --wait or --out follow it to the end.
 * With --dry-run it is `estimate` (the same code): nothing is submitted.
 */
export async function submitCommand(
  ctx: CommandContext,
  file: string,
  options: SubmitOptions,
): Promise<ExitCode> {
  if (options.dryRun) return estimateCommand(ctx, file, options);
  const say = options.json ? ctx.printError : ctx.print;
  const defaults = options.defaults ? await readDefaults(options.defaults) : undefined;
  const manifest = await readManifest(file, defaults, options.matrix);
  say(`${file}: ${plural(manifest.items.length, 'item')}, all valid.`);

  const uploads = describeUploads(await uploadInputs(ctx.client, manifest.items));
  if (uploads) say(uploads);

  const submission = batchSubmission(manifest, defaults, options);
  const batch = await sendManifest(manifest, () => ctx.client.createBatch(submission));
  const budget =
    batch.max_characters === null ? '' : `, budget ${formatCharacters(batch.max_characters)}`;
  say(
    `Batch ${batch.id} created: ${plural(batch.counts.total, 'item')}, seed ${batch.seed}${budget}.`,
  );
  if (!options.wait && !options.out) {
    if (options.json) ctx.print(JSON.stringify(batch, null, 2));
    say(`Follow it with: audiobatch status ${batch.id}`);
    return EXIT.ok;
  }
  return watchBatch(ctx, batch.id, options);
}
