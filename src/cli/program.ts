import { Command, InvalidArgumentError, Option, type OptionValues } from 'commander';
import { ApiClient } from './api-client.ts';
import { loadCliConfig } from './cli-config.ts';
import type { ExitCode } from './cli-errors.ts';
import type { CommandContext } from './command-context.ts';
import { downloadCommand, type DownloadOptions } from './commands/download.ts';
import { batchesCommand, jobCommand, statusCommand, type BatchesOptions } from './commands/show.ts';
import { estimateCommand, type EstimateOptions } from './commands/estimate.ts';
import { submitCommand, type SubmitOptions } from './commands/submit.ts';
import { parseMatrixOption } from './matrix-option.ts';

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
    .addHelpText(
      'after',
      '\nEnvironment: AUDIOBATCH_URL (API base URL), AUDIOBATCH_API_KEY (bearer key).',
    )
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();

  const context = (command: Command): CommandContext => {
    const { url } = command.optsWithGlobals<{ url?: string }>();
    const client = new ApiClient(loadCliConfig(io.env, url));
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
    .command('jobs')
    .description('Single jobs')
    .command('get')
    .description('Show a job: status, seed, cache, outputs, error')
    .argument('<job_id>')
    .option('--json', 'print the job as JSON', false)
    .action(run((ctx, [id], options) => jobCommand(ctx, id as string, options.json === true)));

  program
    .command('batches')
    .description('Batches')
    .command('list')
    .description('List your batches, newest first')
    .option('--limit <n>', 'batches per page (1-100)', parseLimit, 20)
    .option('--cursor <cursor>', 'next page: the cursor the previous page printed')
    .option('--json', 'print the page as JSON', false)
    .action(run((ctx, _args, options) => batchesCommand(ctx, options as BatchesOptions)));
}

function maxCharactersOption(): Option {
  return new Option(
    '--max-characters <n>',
    'batch budget: no new upstream call once its usage reaches N characters (resume raises it)',
  ).argParser(parsePositiveInt);
}

function matrixOption(): Option {
  return new Option(
    '--matrix <path=values>',
    'run every item once per value, e.g. params.voice_id=a,b,c (repeat per axis; custom_ids get /voice_id=a)',
  ).argParser(parseMatrixOption);
}

function pollIntervalOption(): Option {
  return new Option('--poll-interval <ms>', 'how often to poll the batch')
    .argParser(parsePositiveInt)
    .default(1_000);
}

function logIntervalOption(): Option {
  return new Option(
    '--log-interval <ms>',
    'how often to print a progress line when not on a terminal',
  )
    .argParser(parsePositiveInt)
    .default(5_000);
}

function parseSeed(value: string): number {
  const seed = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(seed) || seed > 4_294_967_295) {
    throw new InvalidArgumentError('must be an integer from 0 to 4294967295.');
  }
  return seed;
}

function parseLimit(value: string): number {
  const limit = parsePositiveInt(value);
  if (limit > 100) throw new InvalidArgumentError('must be at most 100.');
  return limit;
}

function parsePositiveInt(value: string): number {
  const number = Number(value);
  if (!/^\d+$/.test(value) || number < 1)
    throw new InvalidArgumentError('must be a positive integer.');
  return number;
}
