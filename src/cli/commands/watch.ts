import type { Batch } from '../api-schemas.ts';
import { summarize } from '../batch-summary.ts';
import type { ExitCode } from '../cli-errors.ts';
import type { CommandContext } from '../command-context.ts';
import { followBatch } from '../follow-batch.ts';
import { onInterrupt } from '../interrupt.ts';
import { OutputDownloader } from '../output-downloader.ts';
import { plainView, terminalView, type ProgressView } from '../progress-view.ts';

export interface WatchOptions {
  out?: string | undefined;
  json: boolean;
  pollInterval: number;
  logInterval: number;
}

/**
 * Waits for a batch with a live view, saving outputs into `out` as items finish, then prints
 * the summary (or the final batch as JSON) and returns the exit code.
 */
export async function watchBatch(
  ctx: CommandContext,
  batchId: string,
  options: WatchOptions,
): Promise<ExitCode> {
  const say = options.json ? ctx.printError : ctx.print;
  const view = chooseView(ctx, options);
  const downloader = options.out ? new OutputDownloader(ctx.client, options.out) : null;
  onInterrupt(() => {
    view.stop();
    downloader?.abandon();
    const resume = options.out
      ? `audiobatch download ${batchId} --out ${options.out} --wait`
      : `audiobatch status ${batchId}`;
    ctx.printError(`\nInterrupted. The batch keeps running; resume with: ${resume}`);
  });
  let batch: Batch;
  try {
    batch = await followBatch(ctx.client, batchId, {
      intervalMs: options.pollInterval,
      view,
      downloader,
    });
  } finally {
    view.stop();
    onInterrupt(null);
  }
  const saved = downloader && options.out ? { dir: options.out, stats: downloader.stats } : null;
  const code = await summarize(ctx.client, batch, saved, say);
  if (options.json) ctx.print(JSON.stringify(batch, null, 2));
  return code;
}

function chooseView(ctx: CommandContext, options: WatchOptions): ProgressView {
  if (options.json) return plainView(ctx.printError, options.logInterval);
  if (ctx.stdout.isTTY) return terminalView(ctx.stdout);
  return plainView(ctx.print, options.logInterval);
}
