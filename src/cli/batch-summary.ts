import type { ApiClient } from './api-client.ts';
import type { Batch, Job } from './api-schemas.ts';
import { EXIT, type ExitCode } from './cli-errors.ts';
import { formatBytes, formatCharacters, formatDuration, plural } from './format.ts';
import type { DownloadStats } from './output-downloader.ts';

/** Failed items listed by name; the rest are counted. */
const LISTED = 20;

/**
 * The end of a run: counts, how many came from the fingerprint cache, each failed or canceled
 * item with its error, and what was saved. Exit code 0 only when every item succeeded and
 * every output was saved.
 */
export async function summarize(
  client: ApiClient,
  batch: Batch,
  saved: { dir: string; stats: DownloadStats } | null,
  print: (line: string) => void,
): Promise<ExitCode> {
  const { cached, unsuccessful } = await readJobs(client, batch.id);
  const { total, succeeded, failed, canceled } = batch.counts;
  const took = batch.finished_at
    ? ` in ${formatDuration((Date.parse(batch.finished_at) - Date.parse(batch.created_at)) / 1000)}`
    : '';
  print(
    `Batch ${batch.id} ${batch.status}${took}: ${plural(total, 'item')}, ${succeeded} succeeded` +
      ` (${cached} from the cache), ${failed} failed, ${canceled} canceled` +
      (batch.usage ? `, ${formatCharacters(batch.usage.characters)}.` : '.'),
  );
  if (unsuccessful.length) {
    print(`${plural(unsuccessful.length, 'item')} did not succeed:`);
    for (const job of unsuccessful.slice(0, LISTED)) print(`  ${describeFailure(job)}`);
    if (unsuccessful.length > LISTED) print(`  … and ${unsuccessful.length - LISTED} more`);
  }
  if (saved) printSaved(saved, print);
  const allSaved = !saved || saved.stats.failed.length === 0;
  return succeeded === total && allSaved ? EXIT.ok : EXIT.itemsFailed;
}

/** Prints what the downloader did (also used by `download` alone). */
export function printSaved(
  saved: { dir: string; stats: DownloadStats },
  print: (line: string) => void,
) {
  const { downloaded, present, bytes, failed } = saved.stats;
  print(
    `Outputs in ${saved.dir}: ${plural(downloaded, 'file')} downloaded (${formatBytes(bytes)}),` +
      ` ${present} already present.`,
  );
  if (failed.length) {
    print(
      `${plural(failed.length, 'output')} could not be saved (run \`audiobatch download\` again):`,
    );
    for (const item of failed.slice(0, LISTED))
      print(`  ${item.customId}/${item.name}: ${item.message}`);
  }
}

async function readJobs(client: ApiClient, batchId: string) {
  let cached = 0;
  const unsuccessful: Job[] = [];
  for await (const job of client.batchJobs(batchId)) {
    if (job.status === 'succeeded' && job.cache === 'hit') cached++;
    if (job.status === 'failed' || job.status === 'canceled') unsuccessful.push(job);
  }
  return { cached, unsuccessful };
}

function describeFailure(job: Job): string {
  const error = job.error;
  if (!error) return `${job.custom_id ?? job.id}  ${job.status}`;
  const upstream = error.upstream_status ? ` (upstream ${error.upstream_status})` : '';
  return `${job.custom_id ?? job.id}  ${job.status}  ${error.code}: ${error.message}${upstream}`;
}
