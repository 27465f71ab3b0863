import type { Job } from '../api-schemas.ts';
import { EXIT, type ExitCode } from '../cli-errors.ts';
import type { CommandContext } from '../command-context.ts';
import type { JobStatus, JobType } from '../../shared/jobs/job-types.ts';

export interface JobsListOptions {
  status?: JobStatus | undefined;
  type?: JobType | undefined;
  batch?: string | undefined;
  limit: number;
  cursor?: string | undefined;
  json: boolean;
}

/**
 * `jobs list`: a page of `GET /v1/jobs`, newest first (a batch's jobs in item order), one line
 * per job; the next page's command is printed when there is one. A filtered page may come back
 * short with a cursor (the service reads a bounded number of records per call): keep paging.
 */
export async function jobsListCommand(
  ctx: CommandContext,
  options: JobsListOptions,
): Promise<ExitCode> {
  const page = await ctx.client.listJobs(options);
  if (options.json) {
    ctx.print(JSON.stringify(page, null, 2));
    return EXIT.ok;
  }
  if (page.data.length === 0) ctx.print('No jobs.');
  for (const job of page.data) ctx.print(jobRow(job));
  if (page.next_cursor) ctx.print(`More: audiobatch ${nextPage(options, page.next_cursor)}`);
  return EXIT.ok;
}

function jobRow(job: Job): string {
  return [
    job.id,
    job.type.padEnd(19),
    job.status.padEnd(9),
    job.created_at.slice(0, 19).replace('T', ' '),
    job.batch_id ? `${job.batch_id} ${job.custom_id ?? ''}`.trim() : (job.custom_id ?? ''),
  ].join('  ');
}

/** The same command with the next cursor: filters kept, so paging stays in the same view. */
function nextPage(options: JobsListOptions, cursor: string): string {
  return [
    'jobs list',
    ...(options.status ? [`--status ${options.status}`] : []),
    ...(options.type ? [`--type ${options.type}`] : []),
    ...(options.batch ? [`--batch ${options.batch}`] : []),
    `--limit ${options.limit}`,
    `--cursor ${cursor}`,
  ].join(' ');
}
