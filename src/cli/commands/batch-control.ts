import type { Batch } from '../api-schemas.ts';
import { EXIT, type ExitCode } from '../cli-errors.ts';
import type { CommandContext } from '../command-context.ts';

/**
 * `batches cancel <id>`: queued jobs are canceled at once, running ones aborted by their
 * workers, finished ones kept. Repeating it is harmless (the service's rule).
 */
export async function batchCancelCommand(
  ctx: CommandContext,
  id: string,
  json: boolean,
): Promise<ExitCode> {
  const batch = await ctx.client.cancelBatch(id);
  return report(ctx, batch, json, 'cancel asked');
}

/** `batches retry <id>`: failed and canceled jobs are queued again, same requests and seeds. */
export async function batchRetryCommand(
  ctx: CommandContext,
  id: string,
  json: boolean,
): Promise<ExitCode> {
  const batch = await ctx.client.retryBatch(id);
  return report(ctx, batch, json, 'retry queued');
}

function report(ctx: CommandContext, batch: Batch, json: boolean, what: string): ExitCode {
  if (json) {
    ctx.print(JSON.stringify(batch, null, 2));
    return EXIT.ok;
  }
  const { counts } = batch;
  ctx.print(
    `Batch ${batch.id}: ${what}; now ${batch.status} (${counts.queued} queued · ` +
      `${counts.running} running · ${counts.succeeded} succeeded · ${counts.failed} failed · ` +
      `${counts.canceled} canceled).`,
  );
  ctx.print(`Follow it with: audiobatch status ${batch.id}`);
  return EXIT.ok;
}
