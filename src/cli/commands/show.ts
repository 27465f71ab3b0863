import type { Batch, Job } from '../api-schemas.ts';
import type { ExitCode } from '../cli-errors.ts';
import { EXIT } from '../cli-errors.ts';
import type { CommandContext } from '../command-context.ts';
import { formatBytes, formatDuration, formatRate } from '../format.ts';

/** `status <batch_id>`: the batch, as text or JSON. */
export async function statusCommand(
  ctx: CommandContext,
  id: string,
  json: boolean,
): Promise<ExitCode> {
  const batch = await ctx.client.getBatch(id);
  if (json) ctx.print(JSON.stringify(batch, null, 2));
  else for (const line of batchLines(batch)) ctx.print(line);
  return EXIT.ok;
}

/** `jobs get <job_id>`: the job, as text or JSON. */
export async function jobCommand(
  ctx: CommandContext,
  id: string,
  json: boolean,
): Promise<ExitCode> {
  const job = await ctx.client.getJob(id);
  if (json) ctx.print(JSON.stringify(job, null, 2));
  else for (const line of jobLines(job)) ctx.print(line);
  return EXIT.ok;
}

export interface BatchesOptions {
  limit: number;
  cursor?: string | undefined;
  json: boolean;
}

/** `batches list`: a page of batches, newest first. */
export async function batchesCommand(
  ctx: CommandContext,
  options: BatchesOptions,
): Promise<ExitCode> {
  const page = await ctx.client.listBatches(options);
  if (options.json) {
    ctx.print(JSON.stringify(page, null, 2));
    return EXIT.ok;
  }
  if (page.data.length === 0) ctx.print('No batches.');
  for (const batch of page.data) {
    const { total, succeeded, failed, canceled } = batch.counts;
    ctx.print(
      [
        batch.id,
        batch.status.padEnd(9),
        `${batch.progress.finished}/${total}`.padStart(11),
        `ok ${succeeded} · failed ${failed} · canceled ${canceled}`.padEnd(34),
        batch.created_at.slice(0, 19).replace('T', ' '),
        batch.name ?? '',
      ].join('  '),
    );
  }
  if (page.next_cursor) ctx.print(`More: audiobatch batches list --cursor ${page.next_cursor}`);
  return EXIT.ok;
}

function batchLines(batch: Batch): string[] {
  const { counts, progress } = batch;
  return [
    `${batch.id}  ${batch.status}${batch.name ? `  "${batch.name}"` : ''}`,
    `  items     ${counts.total} total · ${counts.succeeded} succeeded · ${counts.failed} failed · ${counts.canceled} canceled · ${counts.running} running · ${counts.queued} queued`,
    `  progress  ${Math.round(progress.fraction * 100)}% · ${formatRate(progress.rate_per_second)} · ETA ${formatDuration(progress.eta_seconds)}`,
    `  seed      ${batch.seed}`,
    `  created   ${batch.created_at}`,
    ...(batch.started_at ? [`  started   ${batch.started_at}`] : []),
    ...(batch.finished_at ? [`  finished  ${batch.finished_at}`] : []),
    `  results   ${batch.results_url}`,
  ];
}

function jobLines(job: Job): string[] {
  const lines = [
    `${job.id}  ${job.type}  ${job.status}`,
    ...(job.custom_id ? [`  custom_id  ${job.custom_id}`] : []),
    ...(job.batch_id ? [`  batch      ${job.batch_id}`] : []),
    `  seed       ${job.seed ?? '–'} · cache ${job.cache ?? '–'} · attempts ${job.attempts}`,
    `  created    ${job.created_at}`,
    ...(job.finished_at ? [`  finished   ${job.finished_at}`] : []),
  ];
  if (job.upstream)
    lines.push(`  upstream   ${job.upstream.endpoint} · ${job.upstream.calls} call(s)`);
  for (const output of job.outputs) {
    lines.push(
      `  output     ${output.name}  ${output.content_type}  ${formatBytes(output.bytes)}  sha256 ${output.sha256}`,
    );
  }
  if (job.error) {
    const upstream = job.error.upstream_status ? ` (upstream ${job.error.upstream_status})` : '';
    lines.push(`  error      ${job.error.code}: ${job.error.message}${upstream}`);
  }
  return lines;
}
