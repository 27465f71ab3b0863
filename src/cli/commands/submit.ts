import { basename } from 'node:path';
import type { Batch } from '../api-schemas.ts';
import { ApiError, CliError, EXIT, type ExitCode } from '../cli-errors.ts';
import type { CommandContext } from '../command-context.ts';
import { plural } from '../format.ts';
import { readDefaults, readManifest, type Manifest } from '../manifest/read-manifest.ts';
import { uploadInputs } from '../upload-inputs.ts';
import { watchBatch, type WatchOptions } from './watch.ts';

export interface SubmitOptions extends WatchOptions {
  defaults?: string | undefined;
  seed?: number | undefined;
  name?: string | undefined;
  wait: boolean;
}

/**
 * `submit`: validate the whole manifest locally (nothing is sent unless every line passes),
 * upload local input files, create the batch, and with --wait or --out follow it to the end.
 */
export async function submitCommand(
  ctx: CommandContext,
  file: string,
  options: SubmitOptions,
): Promise<ExitCode> {
  const say = options.json ? ctx.printError : ctx.print;
  const defaults = options.defaults ? await readDefaults(options.defaults) : undefined;
  const manifest = await readManifest(file, defaults);
  say(`${file}: ${plural(manifest.items.length, 'item')}, all valid.`);

  const uploaded = await uploadInputs(ctx.client, manifest.items, () => undefined);
  if (uploaded) say(`Uploaded ${plural(uploaded, 'input file')}.`);

  const batch = await createBatch(ctx, manifest, defaults, options);
  say(`Batch ${batch.id} created: ${plural(batch.counts.total, 'item')}, seed ${batch.seed}.`);
  if (!options.wait && !options.out) {
    if (options.json) ctx.print(JSON.stringify(batch, null, 2));
    say(`Follow it with: audiobatch status ${batch.id}`);
    return EXIT.ok;
  }
  return watchBatch(ctx, batch.id, options);
}

async function createBatch(
  ctx: CommandContext,
  manifest: Manifest,
  defaults: Record<string, unknown> | undefined,
  options: SubmitOptions,
): Promise<Batch> {
  try {
    return await ctx.client.createBatch({
      items: manifest.items.map((prepared) => prepared.item),
      ...(defaults && { defaults }),
      ...(options.seed !== undefined && { seed: options.seed }),
      name: options.name ?? basename(manifest.file),
    });
  } catch (error) {
    if (error instanceof ApiError && error.status === 422) throw byLine(error, manifest);
    throw error;
  }
}

/** The intake's 422 names items by index (`items[3].params.seed`): name them by line instead. */
function byLine(error: ApiError, manifest: Manifest): CliError {
  const lines = error.details.map((detail) => {
    const match = /^items\[(\d+)\]\.?(.*)$/.exec(detail.field);
    const item = match ? manifest.items[Number(match[1])] : undefined;
    if (!match || !item) return `${detail.field}: ${detail.message}`;
    return `line ${item.line}: ${match[2] ? `${match[2]}: ` : ''}${detail.message}`;
  });
  return new CliError(
    `${manifest.file}: the service refused the batch (HTTP ${error.status} ${error.code}); nothing was submitted.`,
    EXIT.usage,
    lines,
  );
}
