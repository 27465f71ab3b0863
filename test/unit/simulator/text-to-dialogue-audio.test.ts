import { parseBuffer } from 'music-metadata';
import { describe, expect, it } from 'vitest';
import { splitAudio } from '../../../src/simulator/audio/audio-chunks.ts';
import { parseOutputFormat } from '../../../src/simulator/audio/output-formats.ts';
import { renderAudio } from '../../../src/simulator/audio/render-audio.ts';
import {
  CHARACTER_SECONDS,
  INPUT_PAUSE_SECONDS,
  TAIL_SECONDS,
  dialogueTimeline,
} from '../../../src/simulator/routes/text-to-dialogue-timeline.ts';

describe('dialogueTimeline', () => {
  const timeline = dialogueTimeline([
    { text: 'Hi 👋', voiceId: 'a' },
    { text: 'Yes?', voiceId: 'b' },
  ]);

  it('times every code point, pauses between inputs, and segments per input', () => {
    expect(timeline.alignment.characters).toEqual(['H', 'i', ' ', '👋', 'Y', 'e', 's', '?']);
    const starts = timeline.alignment.character_start_times_seconds;
    expect(starts[3]).toBeCloseTo(3 * CHARACTER_SECONDS, 6);
    expect(starts[4]).toBeCloseTo(4 * CHARACTER_SECONDS + INPUT_PAUSE_SECONDS, 6);
    expect(timeline.voiceSegments).toEqual([
      {
        voice_id: 'a',
        start_time_seconds: 0,
        end_time_seconds: 0.24,
        character_start_index: 0,
        character_end_index: 4,
        dialogue_input_index: 0,
      },
      {
        voice_id: 'b',
        start_time_seconds: 0.54,
        end_time_seconds: 0.78,
        character_start_index: 4,
        character_end_index: 8,
        dialogue_input_index: 1,
      },
    ]);
    expect(timeline.durationSeconds).toBeCloseTo(0.78 + TAIL_SECONDS, 6);
  });
});

describe('splitAudio', () => {
  it.each(['mp3_44100_128', 'opus_48000_96', 'pcm_24000', 'ulaw_8000'])(
    '%s: contiguous pieces of about a second that concatenate back into the whole',
    async (name) => {
      const format = parseOutputFormat(name);
      if (!format) throw new Error(name);
      const body = await renderAudio(format, 4.5, new Uint8Array(32).fill(1));
      const chunks = splitAudio(format, body, 1);
      expect(Buffer.concat(chunks.map((c) => c.bytes)).equals(body)).toBe(true);
      expect(chunks.length).toBeGreaterThanOrEqual(4);
      expect(chunks[0]?.startSeconds).toBe(0);
      for (let i = 1; i < chunks.length; i++)
        expect(chunks[i]?.startSeconds).toBe(chunks[i - 1]?.endSeconds);
      expect(Math.abs((chunks.at(-1)?.endSeconds ?? 0) - 4.5)).toBeLessThan(0.03);
      if (format.codec === 'mp3' || format.codec === 'opus') {
        const { format: parsed } = await parseBuffer(
          body,
          { mimeType: format.contentType },
          { duration: true },
        );
        expect(parsed.duration ?? 0).toBeCloseTo(chunks.at(-1)?.endSeconds ?? 0, 2);
      }
    },
    60_000, // the first mp3 render builds its phrase pool: slow on a busy machine
  );
});
