import { printSaved } from '../batch-summary.ts';
import { EXIT, type ExitCode } from '../cli-errors.ts';
import type { CommandContext } from '../command-context.ts';
import { isDone } from '../follow-batch.ts';
import { onInterrupt } from '../interrupt.ts';
import { OutputDownloader } from '../output-downloader.ts';
import { watchBatch, type WatchOptions } from './watch.ts';

export interface DownloadOptions extends WatchOptions {
  out: string;
  wait: boolean;
}

/**
 * `download`: save the outputs of every item finished so far; files already present with the
 * right sha256 are skipped, so running it again resumes. With --wait, follow the batch to the
 * end, saving as items finish (as `submit --out` does).
 */
export async function downloadCommand(
  ctx: CommandContext,
  batchId: string,
  options: DownloadOptions,
): Promise<ExitCode> {
  if (options.wait) return watchBatch(ctx, batchId, options);
  const say = options.json ? ctx.printError : ctx.print;
  const batch = await ctx.client.getBatch(batchId);
  const downloader = new OutputDownloader(ctx.client, options.out);
  onInterrupt(() => downloader.abandon());
  await downloader.collect(ctx.client.results(batchId));
  onInterrupt(null);
  printSaved({ dir: options.out, stats: downloader.stats }, say);

  const { total, failed, canceled } = batch.counts;
  const finished = batch.progress.finished;
  if (!isDone(batch)) {
    say(`${finished} of ${total} items had finished; run again later, or add --wait.`);
  }
  if (failed + canceled > 0)
    say(`${failed} failed and ${canceled} canceled: see audiobatch status ${batchId}.`);
  if (options.json) ctx.print(JSON.stringify({ batch, saved: downloader.stats }, null, 2));
  const ok = downloader.stats.failed.length === 0 && failed + canceled === 0;
  return ok ? EXIT.ok : EXIT.itemsFailed;
}
