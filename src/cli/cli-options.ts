import { InvalidArgumentError, Option } from 'commander';
import { JOB_STATUSES } from '../shared/jobs/job-types.ts';
import { parseMatrixOption } from './matrix-option.ts';

/** Options and argument parsers several commands share. */

export function statusOption(description: string): Option {
  return new Option('--status <status>', description).choices(JOB_STATUSES);
}

export function maxCharactersOption(): Option {
  return new Option(
    '--max-characters <n>',
    'batch budget: no new upstream call once its usage reaches N characters (resume raises it)',
  ).argParser(parsePositiveInt);
}

export function matrixOption(): Option {
  return new Option(
    '--matrix <path=values>',
    'run every item once per value, e.g. params.voice_id=a,b,c (repeat per axis; custom_ids get /voice_id=a)',
  ).argParser(parseMatrixOption);
}

export function pollIntervalOption(): Option {
  return new Option('--poll-interval <ms>', 'how often to poll the batch')
    .argParser(parsePositiveInt)
    .default(1_000);
}

export function logIntervalOption(): Option {
  return new Option(
    '--log-interval <ms>',
    'how often to print a progress line when not on a terminal',
  )
    .argParser(parsePositiveInt)
    .default(5_000);
}

export function parseSeed(value: string): number {
  const seed = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(seed) || seed > 4_294_967_295) {
    throw new InvalidArgumentError('must be an integer from 0 to 4294967295.');
  }
  return seed;
}

export function parseLimit(value: string): number {
  const limit = parsePositiveInt(value);
  if (limit > 100) throw new InvalidArgumentError('must be at most 100.');
  return limit;
}

export function parsePositiveInt(value: string): number {
  const number = Number(value);
  if (!/^\d+$/.test(value) || number < 1)
    throw new InvalidArgumentError('must be a positive integer.');
  return number;
}
