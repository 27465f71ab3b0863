import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { splitAudio } from '../../../../src/simulator/audio/audio-chunks.ts';
import { parseOutputFormat } from '../../../../src/simulator/audio/output-formats.ts';
import { renderAudio } from '../../../../src/simulator/audio/render-audio.ts';
import { dialogueNdjson } from '../../../../src/simulator/routes/text-to-dialogue-ndjson.ts';
import { dialogueTimeline } from '../../../../src/simulator/routes/text-to-dialogue-timeline.ts';
import { createAudioClock } from '../../../../src/workers/outputs/audio-clock.ts';
import { streamedChunks } from '../../../../src/workers/dialogue/timestamped-chunks.ts';
import { TimestampsAssembler } from '../../../../src/workers/dialogue/timestamps-assembler.ts';

/**
 * The simulator's NDJSON stream, read by the worker's parsing, clock and assembler (everything
 * of the job but storage): whichever chunk time convention the stream uses, the result is the
 * timeline's absolute times and the rendered audio, byte for byte.
 */

const timeline = dialogueTimeline([
  { text: 'Knock knock. Anybody home?', voiceId: 'voiceA' },
  { text: 'Who is there, at this hour?', voiceId: 'voiceB' },
  { text: 'It is only me, your neighbour, with the parcel.', voiceId: 'voiceA' },
]);
const seed = new Uint8Array(32).fill(7);
// The first mp3 render of a format builds its phrase pool (~1 s alone, far more on a busy box).
const SLOW_TIMEOUT_MS = 60_000;

async function readBack(body: Buffer, format: string, pieceBytes: number) {
  const pieces: Buffer[] = [];
  for (let offset = 0; offset < body.length; offset += pieceBytes)
    pieces.push(body.subarray(offset, offset + pieceBytes));
  const clock = createAudioClock(format);
  const assembler = new TimestampsAssembler();
  const audio: Buffer[] = [];
  for await (const chunk of streamedChunks(Readable.from(pieces))) {
    assembler.add(chunk, clock?.seconds() ?? null);
    const bytes = Buffer.from(chunk.audio_base64, 'base64');
    clock?.push(bytes);
    audio.push(bytes);
  }
  return {
    ...assembler.finish(),
    audio: Buffer.concat(audio),
    clockSeconds: clock?.seconds() ?? null,
  };
}

describe.each(['mp3_44100_128', 'mp3_22050_32', 'pcm_16000', 'ulaw_8000', 'opus_48000_64'])(
  'stream with timestamps round trip (%s)',
  (name) => {
    const format = parseOutputFormat(name);
    if (!format) throw new Error(name);

    it.each(['absolute', 'relative'] as const)(
      '%s chunk times give the absolute timeline',
      async (times) => {
        const rendered = await renderAudio(format, timeline.durationSeconds, seed);
        const chunks = splitAudio(format, rendered, 1);
        expect(chunks.length).toBeGreaterThan(2);
        const body = dialogueNdjson(timeline, chunks, times);
        const out = await readBack(body, name, 1000);

        expect(out.chunkTimes).toBe(times);
        expect(out.audio.equals(rendered)).toBe(true);
        expect(out.clockSeconds).toBeCloseTo(chunks.at(-1)?.endSeconds ?? NaN, 6);
        const alignment = out.document.alignment;
        expect(alignment?.characters).toEqual(timeline.alignment.characters);
        alignment?.character_start_times_seconds.forEach((t, i) =>
          expect(
            Math.abs(t - (timeline.alignment.character_start_times_seconds[i] ?? NaN)),
          ).toBeLessThan(0.0015),
        );
        expect(
          out.document.voice_segments.map((s) => [
            s.voice_id,
            s.character_start_index,
            s.character_end_index,
          ]),
        ).toEqual(
          timeline.voiceSegments.map((s) => [
            s.voice_id,
            s.character_start_index,
            s.character_end_index,
          ]),
        );
        for (const [i, segment] of out.document.voice_segments.entries()) {
          const expected = timeline.voiceSegments[i];
          expect(
            Math.abs(segment.start_time_seconds - (expected?.start_time_seconds ?? NaN)),
          ).toBeLessThan(0.0015);
          expect(
            Math.abs(segment.end_time_seconds - (expected?.end_time_seconds ?? NaN)),
          ).toBeLessThan(0.0015);
        }
      },
      SLOW_TIMEOUT_MS,
    );
  },
);
