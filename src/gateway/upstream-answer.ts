import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { AppError } from '../shared/errors.ts';
import type { JobRecord, StoredOutput } from '../shared/jobs/job-record.ts';
import type { ObjectStorage } from '../shared/storage/object-storage.ts';
import type { GatewayEndpoint } from './wire-requests.ts';

/** A response as the upstream would send it: status, headers and body. */
export interface UpstreamAnswer {
  status: number;
  headers: Record<string, string>;
  body: Readable | Buffer | string;
}

/**
 * The headers of the upstream's answer that SDK users read, from the call the job kept
 * (usage work, src/shared/usage). Absent values stay absent, as upstream.
 */
export function upstreamHeaders(record: JobRecord): Record<string, string> {
  const upstream = record.upstream;
  const headers: Record<string, string> = {};
  if (upstream?.request_id) headers['request-id'] = upstream.request_id;
  if (upstream?.character_cost != null) headers['character-cost'] = String(upstream.character_cost);
  if (upstream?.history_item_id) headers['history-item-id'] = upstream.history_item_id;
  if (upstream?.song_id) headers['song-id'] = upstream.song_id;
  return headers;
}

/** The upstream headers an SDK reads, as a streamed answer passes them on (chunked: no length). */
const PASSED_HEADERS = [
  'content-type',
  'request-id',
  'character-cost',
  'history-item-id',
  'song-id',
];

/** The headers of a streamed answer, from what the worker kept of the upstream's. */
export function streamedHeaders(kept: Record<string, string>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of PASSED_HEADERS) {
    const value = kept[name];
    if (value !== undefined) headers[name] = value;
  }
  return headers;
}

/**
 * A succeeded job's answer in the upstream's wire format. Raw answers (audio, the stems ZIP,
 * the plan) are the stored bytes themselves; the two composite answers are rebuilt from the
 * outputs the worker split them into: the timestamped JSON from the audio and its timing, the
 * detailed music `multipart/mixed` from the audio and its JSON part (kept as sent).
 */
export async function succeededAnswer(
  storage: ObjectStorage,
  record: JobRecord,
  endpoint: GatewayEndpoint,
): Promise<UpstreamAnswer> {
  const headers = upstreamHeaders(record);
  const output = (name: string) => outputOf(record, name);
  switch (endpoint) {
    case 'text_to_dialogue':
    case 'text_to_dialogue_stream':
    case 'speech_to_speech':
    case 'speech_to_speech_stream':
    case 'music':
    case 'music_stream':
      return raw(storage, output('audio'), headers);
    case 'music_plan':
      return raw(storage, output('plan'), headers);
    case 'stem_separation':
      return raw(storage, output('stems.zip'), {
        ...headers,
        'content-disposition': 'attachment; filename=stems.zip',
      });
    case 'text_to_dialogue_timestamps': {
      const body = JSON.stringify(await timestamped(storage, record));
      return { status: 200, headers: { ...headers, 'content-type': 'application/json' }, body };
    }
    case 'text_to_dialogue_stream_timestamps': {
      // From storage (a cache hit): the whole answer as one NDJSON line, absolute times. The
      // upstream's own chunking is passed through only while the upstream sends it.
      const body = `${JSON.stringify(await timestamped(storage, record))}\n`;
      return { status: 200, headers: { ...headers, 'content-type': 'text/event-stream' }, body };
    }
    case 'music_detailed':
      return detailed(storage, record, headers);
  }
}

/** The timestamped dialogue answer, rebuilt from the audio and its timing. */
async function timestamped(storage: ObjectStorage, record: JobRecord): Promise<object> {
  const audio = await readAll(storage, outputOf(record, 'audio'));
  const timing = JSON.parse(
    (await readAll(storage, outputOf(record, 'timestamps'))).toString('utf8'),
  ) as Record<string, unknown>;
  return {
    audio_base64: audio.toString('base64'),
    alignment: timing['alignment'],
    normalized_alignment: timing['normalized_alignment'],
    voice_segments: timing['voice_segments'],
  };
}

async function raw(
  storage: ObjectStorage,
  output: StoredOutput,
  headers: Record<string, string>,
): Promise<UpstreamAnswer> {
  return {
    status: 200,
    headers: {
      ...headers,
      'content-type': output.content_type,
      'content-length': String(output.bytes),
    },
    body: await storage.get(output.key),
  };
}

/** The upstream's `multipart/mixed` layout (upstream.md): JSON part, audio part, delimiter. */
async function detailed(
  storage: ObjectStorage,
  record: JobRecord,
  headers: Record<string, string>,
): Promise<UpstreamAnswer> {
  const audioOutput = outputOf(record, 'audio');
  const json = (await readAll(storage, outputOf(record, 'details'))).toString('utf8');
  const audio = await readAll(storage, audioOutput);
  const boundary = freshBoundary(audio, json);
  const extension = audioOutput.key.slice(audioOutput.key.lastIndexOf('.') + 1);
  const head = [
    `--${boundary}`,
    'Content-Type: application/json',
    '',
    json,
    `--${boundary}`,
    `Content-Type: ${audioOutput.content_type}`,
    `Content-Disposition: attachment; filename="${record.upstream?.song_id ?? 'song'}.${extension}"`,
    '',
    '',
  ].join('\r\n');
  const body = Buffer.concat([
    Buffer.from(head, 'utf8'),
    audio,
    Buffer.from(`\r\n--${boundary}--`, 'latin1'),
  ]);
  return {
    status: 200,
    headers: { ...headers, 'content-type': `multipart/mixed; boundary=${boundary}` },
    body,
  };
}

/** A boundary found in neither part, as MIME requires. */
function freshBoundary(audio: Buffer, json: string): string {
  for (;;) {
    const boundary = randomBytes(16).toString('hex');
    if (!audio.includes(`--${boundary}`, 0, 'latin1') && !json.includes(boundary)) return boundary;
  }
}

function outputOf(record: JobRecord, name: string): StoredOutput {
  const output = record.outputs.find((candidate) => candidate.name === name);
  // A succeeded job of its type always has it: its absence is a bug, not the caller's fault.
  if (!output) throw new AppError('output_missing', `The job has no ${name} output.`, 500);
  return output;
}

async function readAll(storage: ObjectStorage, output: StoredOutput): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await storage.get(output.key)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
