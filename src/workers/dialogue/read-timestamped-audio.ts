import { PassThrough } from 'node:stream';
import type { StoredOutput } from '../../shared/jobs/job-record.ts';
import { writeAudioOutput, type OutputTarget } from '../outputs/write-output.ts';
import { toNetworkError, type UpstreamResponse } from '../upstream/upstream-client.ts';
import { UpstreamError } from '../upstream/upstream-error.ts';
import { createAudioClock } from '../outputs/audio-clock.ts';
import { writeBase64Audio } from './base64-audio.ts';
import type { DialogueChunk } from './dialogue-wire.ts';
import { singleChunk, streamedChunks } from './timestamped-chunks.ts';
import { TimestampsAssembler, type AssembledTimestamps } from './timestamps-assembler.ts';

export interface TimestampedAudio {
  audio: StoredOutput;
  timestamps: AssembledTimestamps;
}

/**
 * Reads a `/with-timestamps` or `/stream/with-timestamps` answer: the audio of every chunk is
 * decoded and written, in order, to the `audio` output as it arrives (one file: MP3 frames and
 * raw PCM/μ-law/A-law samples concatenate into a valid stream, and so do the pages of one Ogg
 * stream cut into pieces), while the timing of every chunk goes to one assembler. Should the
 * upstream ever send each Ogg chunk as a complete stream of its own, the result is a chained
 * Ogg file: valid (RFC 3533), though some players stop after the first link.
 */
export async function readTimestampedAudio(
  target: OutputTarget,
  response: UpstreamResponse,
  options: { format: string; stream: boolean },
): Promise<TimestampedAudio> {
  const sink = new PassThrough();
  // Whichever side fails first names the failure; the other is then stopped, never left
  // waiting (a storage failure would otherwise leave the feeder waiting for 'drain').
  const failures: unknown[] = [];
  const fail = (error: unknown): void => {
    failures.push(error);
    sink.destroy(error instanceof Error ? error : new Error(String(error)));
    response.body.destroy();
  };
  const writing = writeAudioOutput(target, {
    name: 'audio',
    format: options.format,
    body: sink,
    contentLength: null,
  }).catch((error: unknown) => {
    fail(error);
    throw error;
  });
  const chunks = options.stream
    ? streamedChunks(response.body)
    : singleChunk(response.body, response.contentLength);
  const feeding = feed(sink, chunks, options.format).catch((error: unknown) => {
    const classified =
      error instanceof UpstreamError ? error : toNetworkError(error, target.signal);
    fail(classified);
    throw classified;
  });
  const [audio, timestamps] = await Promise.allSettled([writing, feeding]);
  if (audio.status === 'rejected' || timestamps.status === 'rejected') throw failures[0];
  return { audio: audio.value, timestamps: timestamps.value };
}

async function feed(
  sink: PassThrough,
  chunks: AsyncIterable<DialogueChunk>,
  format: string,
): Promise<AssembledTimestamps> {
  const clock = createAudioClock(format);
  const assembler = new TimestampsAssembler();
  for await (const chunk of chunks) {
    assembler.add(chunk, clock?.seconds() ?? null);
    await writeBase64Audio(sink, chunk.audio_base64, (bytes) => clock?.push(bytes));
  }
  sink.end();
  return assembler.finish();
}
