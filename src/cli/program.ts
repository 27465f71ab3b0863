import { Command, Option, type OptionValues } from 'commander';
import { ApiClient } from './api-client.ts';
import { loadCliConfig } from './cli-config.ts';
import type { ExitCode } from './cli-errors.ts';
import type { CommandContext } from './command-context.ts';
import { batchCancelCommand, batchRetryCommand } from './commands/batch-control.ts';
import { downloadCommand, type DownloadOptions } from './commands/download.ts';
import { jobsListCommand, type JobsListOptions } from './commands/jobs-list.ts';
import { resultsCommand } from './commands/results.ts';
import { JOB_TYPES } from '../shared/jobs/job-types.ts';
import {
  logIntervalOption,
  matrixOption,
  maxCharactersOption,
  parseLimit,
  parseSeed,
  pollIntervalOption,
  statusOption,
} from './cli-options.ts';
import { batchesCommand, jobCommand, statusCommand, type BatchesOptions } from './commands/show.ts';
import { estimateCommand, type EstimateOptions } from './commands/estimate.ts';
import { submitCommand, type SubmitOptions } from './commands/submit.ts';

/** Where a program writes and what it reads: the real process, or a test's. */
export interface ProgramIo {
  env: Record<string, string | undefined>;
  stdout: NodeJS.WriteStream;
  print: (line: string) => void;
  printError: (line: string) => void;
}

/**
 * The `audiobatch` command line. Each action stores its exit code in `result.code`; usage
 * errors are thrown by commander (exitOverride) and mapped by the caller.
 */
export function buildProgram(io: ProgramIo, result: { code: ExitCode }): Command {
  const program = new Command('audiobatch')
    .description(
      'Bulk audio generation with audiobatch: submit manifests, watch batches, download outputs.',
    )
    .option('--url <url>', 'API base URL (default: $AUDIOBATCH_URL or http://127.0.0.1:3000)')
    .option(
      '--api-key <key>',
      'bearer key (default: $AUDIOBATCH_API_KEY; the variable keeps it out of process lists)',
    )
    .addHelpText(
      'after',
      '\nEnvironment: AUDIOBATCH_URL (API base URL), AUDIOBATCH_API_KEY (bearer key); either ' +
        'may be set in a .env file in the current folder (the environment wins).',
    )
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();

  const context = (command: Command): CommandContext => {
    const { url, apiKey } = command.optsWithGlobals<{ url?: string; apiKey?: string }>();
    const client = new ApiClient(loadCliConfig(io.env, { url, apiKey }));
    return { client, print: io.print, printError: io.printError, stdout: io.stdout };
  };
  const run: Runner =
    (task) =>
    async (...args: unknown[]) => {
      const command = args.at(-1) as Command;
      result.code = await task(context(command), command.args, command.opts());
    };
  addSubmit(program, run);
  addBatchReads(program, run);
  addJobs(program, run);
  addBatches(program, run);
  return program;
}

/** Wraps a command's task: it gets the context, its arguments and its options. */
type Runner = (
  task: (ctx: CommandContext, args: string[], options: OptionValues) => Promise<ExitCode>,
) => (...args: unknown[]) => Promise<void>;

function addSubmit(program: Command, run: Runner): void {
  program
    .command('submit')
    .description('Validate a manifest, upload its local input files and create a batch')
    .argument('<manifest>', 'a .csv or .jsonl manifest of job requests')
    .option('--defaults <file>', 'JSON object merged under every item (the batch defaults)')
    .option('--seed <n>', 'batch seed: each item seed derives from it and its custom_id', parseSeed)
    .option('--name <name>', 'batch name (default: the manifest file name)')
    .addOption(maxCharactersOption())
    .addOption(matrixOption())
    .option('--wait', 'follow the batch until every item has finished', false)
    .option('--out <dir>', 'save outputs into DIR/<custom_id>/ as items finish (implies --wait)')
    .option('--json', 'print the batch as JSON on stdout (progress goes to stderr)', false)
    .option('--dry-run', 'print what it would cost, as estimate does, and submit nothing', false)
    .addOption(pollIntervalOption())
    .addOption(logIntervalOption())
    .action(
      run((ctx, [file], options) => submitCommand(ctx, file as string, options as SubmitOptions)),
    );

  program
    .command('estimate')
    .description('Print what submit would cost, per item and in total, submitting nothing')
    .argument('<manifest>', 'a .csv or .jsonl manifest of job requests')
    .option('--defaults <file>', 'JSON object merged under every item (the batch defaults)')
    .option('--seed <n>', 'batch seed, as submit takes it', parseSeed)
    .option('--name <name>', 'batch name, as submit takes it')
    .addOption(maxCharactersOption())
    .addOption(matrixOption())
    .option('--json', 'print the estimate as JSON', false)
    .action(
      run((ctx, [file], options) =>
        estimateCommand(ctx, file as string, options as EstimateOptions),
      ),
    );

  program
    .command('download')
    .description("Save a batch's finished outputs into DIR/<custom_id>/ (resumable)")
    .argument('<batch_id>')
    .requiredOption('--out <dir>', 'destination folder')
    .option('--wait', 'keep going until every item has finished', false)
    .option('--json', 'print the batch and what was saved as JSON', false)
    .addOption(pollIntervalOption())
    .addOption(logIntervalOption())
    .action(
      run((ctx, [id], options) => downloadCommand(ctx, id as string, options as DownloadOptions)),
    );
}

function addBatchReads(program: Command, run: Runner): void {
  program
    .command('status')
    .description('Show a batch: counts, progress, rate and ETA')
    .argument('<batch_id>')
    .option('--json', 'print the batch as JSON', false)
    .action(run((ctx, [id], options) => statusCommand(ctx, id as string, options.json === true)));

  program
    .command('results')
    .description("Print a batch's result lines (NDJSON, one per item, in item order)")
    .argument('<batch_id>')
    .addOption(statusOption('only items in this status'))
    .action(run((ctx, [id], options) => resultsCommand(ctx, id as string, options)));
}

function addJobs(program: Command, run: Runner): void {
  const jobs = program.command('jobs').description('Jobs');
  jobs
    .command('list')
    .description("List your jobs, newest first (a batch's in item order)")
    .addOption(statusOption('only jobs in this status'))
    .addOption(new Option('--type <type>', 'only jobs of this type').choices(JOB_TYPES))
    .option('--batch <batch_id>', "only this batch's jobs")
    .option('--limit <n>', 'jobs per page (1-100)', parseLimit, 20)
    .option('--cursor <cursor>', 'next page: the cursor the previous page printed')
    .option('--json', 'print the page as JSON', false)
    .action(run((ctx, _args, options) => jobsListCommand(ctx, options as JobsListOptions)));

  jobs
    .command('get')
    .description('Show a job: status, seed, cache, outputs, error')
    .argument('<job_id>')
    .option('--json', 'print the job as JSON', false)
    .action(run((ctx, [id], options) => jobCommand(ctx, id as string, options.json === true)));
}

function addBatches(program: Command, run: Runner): void {
  const batches = program.command('batches').description('Batches');
  batches
    .command('list')
    .description('List your batches, newest first')
    .option('--limit <n>', 'batches per page (1-100)', parseLimit, 20)
    .option('--cursor <cursor>', 'next page: the cursor the previous page printed')
    .option('--json', 'print the page as JSON', false)
    .action(run((ctx, _args, options) => batchesCommand(ctx, options as BatchesOptions)));

  batches
    .command('cancel')
    .description('Cancel a batch: queued jobs at once, running ones aborted; finished ones kept')
    .argument('<batch_id>')
    .option('--json', 'print the batch as JSON', false)
    .action(
      run((ctx, [id], options) => batchCancelCommand(ctx, id as string, options.json === true)),
    );

  batches
    .command('retry')
    .description("Queue a batch's failed and canceled jobs again (same requests and seeds)")
    .argument('<batch_id>')
    .option('--json', 'print the batch as JSON', false)
    .action(
      run((ctx, [id], options) => batchRetryCommand(ctx, id as string, options.json === true)),
    );
}
