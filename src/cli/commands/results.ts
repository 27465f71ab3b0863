import { resultLineSchema } from '../api-schemas.ts';
import { EXIT, type ExitCode } from '../cli-errors.ts';
import type { CommandContext } from '../command-context.ts';
import type { JobStatus } from '../../shared/jobs/job-types.ts';

export interface ResultsOptions {
  /** Only items in this status (filtered here: the results route streams every item). */
  status?: JobStatus | undefined;
}

/**
 * `results <batch_id>`: the batch's result lines as NDJSON on stdout, exactly as the service
 * wrote them (one per item, in item order), streamed. Read at any time: unfinished items show
 * their current status.
 */
export async function resultsCommand(
  ctx: CommandContext,
  id: string,
  options: ResultsOptions,
): Promise<ExitCode> {
  for await (const line of ctx.client.resultLines(id)) {
    if (options.status && resultLineSchema.parse(JSON.parse(line)).status !== options.status)
      continue;
    ctx.print(line);
  }
  return EXIT.ok;
}
