import { Readable } from 'node:stream';
import type { MultipartPart } from '@remix-run/multipart-parser';
import { z } from 'zod';
import type { StoredOutput } from '../../shared/jobs/job-record.ts';
import { writeAudioOutput, type OutputTarget } from '../outputs/write-output.ts';
import { toNetworkError, type UpstreamResponse } from '../upstream/upstream-client.ts';
import { corruptBody, writeJsonOutput } from './json-output.ts';
import { CorruptMultipartError, readMultipartMixed } from './multipart-mixed.ts';

/**
 * Ten minutes of the largest music format (pcm_48000: 96 kB/s) is 57.6 MB; the parser holds the
 * audio part until its closing delimiter, so this bounds one detailed job's memory.
 */
export const MAX_DETAILED_PART_BYTES = 96 * 1024 * 1024;

/** The JSON part: checked for the fields the product promises, kept as the upstream sent it. */
const detailsSchema = z.looseObject({
  composition_plan: z.looseObject({}),
  song_metadata: z.looseObject({}),
  words_timestamps: z
    .array(z.looseObject({ word: z.string(), start_ms: z.number(), end_ms: z.number() }))
    .nullable()
    .optional(),
});

/**
 * Splits a `/v1/music/detailed` response into the `audio` and `details` outputs. The whole body
 * is parsed before anything is stored, so a truncated body leaves no output behind.
 */
export async function storeDetailedResponse(
  target: OutputTarget,
  response: UpstreamResponse,
  format: string,
): Promise<StoredOutput[]> {
  const parts = await readParts(target.signal, response);
  const json = parts.find((part) => part.mediaType === 'application/json');
  const audio = parts.find((part) => part !== json && part.size > 0);
  if (!json || !audio) {
    const seen = parts.map((part) => part.mediaType ?? 'untyped').join(', ') || 'none';
    throw corruptBody('bad_multipart', `detailed response lacks a JSON or audio part (${seen})`);
  }
  const details = detailsText(json);
  const stored = await writeAudioOutput(target, {
    name: 'audio',
    format,
    body: Readable.from(audio.content),
    contentLength: audio.size,
  });
  return [stored, await writeJsonOutput(target, 'details', details)];
}

async function readParts(
  signal: AbortSignal,
  response: UpstreamResponse,
): Promise<MultipartPart[]> {
  try {
    return await readMultipartMixed(response.body, response.headers['content-type'], {
      maxPartBytes: MAX_DETAILED_PART_BYTES,
    });
  } catch (error) {
    if (error instanceof CorruptMultipartError) {
      throw corruptBody('bad_multipart', `detailed response: ${error.message}`);
    }
    throw toNetworkError(error, signal);
  }
}

function detailsText(part: MultipartPart): string {
  let text: string;
  let value: unknown;
  try {
    text = part.text.trim();
    value = JSON.parse(text);
  } catch {
    throw corruptBody('bad_details_json', 'the JSON part of the detailed response does not parse');
  }
  const checked = detailsSchema.safeParse(value);
  if (!checked.success) {
    const problem = checked.error.issues[0];
    const where = problem?.path.join('.') || 'details';
    throw corruptBody('bad_details_json', `detailed response JSON: ${where}: ${problem?.message}`);
  }
  return text;
}
