import { parseBuffer } from 'music-metadata';
import { describe, expect, it } from 'vitest';
import { splitDuration, writePlan } from '../../../src/simulator/routes/music-plan-writer.ts';
import { parseComposeRequest } from '../../../src/simulator/routes/music-request.ts';
import { simPlanDurationMs } from '../../../src/simulator/routes/music-schemas.ts';
import { composeSong } from '../../../src/simulator/routes/music-song.ts';
import { hashParts } from '../../../src/simulator/prng.ts';

const request = (body: Record<string, unknown>, format = 'mp3_44100_128') =>
  parseComposeRequest(new URLSearchParams({ output_format: format }), body);

const plan = {
  positive_global_styles: ['jazz'],
  negative_global_styles: [],
  sections: [
    {
      section_name: 'Intro',
      positive_local_styles: [],
      negative_local_styles: [],
      duration_ms: 3_500,
      lines: [],
    },
    {
      section_name: 'Verse',
      positive_local_styles: [],
      negative_local_styles: [],
      duration_ms: 6_500,
      lines: ['one two three', 'four {hum} five'],
    },
  ],
};

// The first use of an mp3 format builds its phrase pool: seconds on a busy machine.
describe('composeSong', { timeout: 60_000 }, () => {
  it('lasts exactly as long as the plan: 10 s of pcm_16000 is 320,000 bytes', async () => {
    const song = await composeSong(request({ composition_plan: plan, seed: 1 }, 'pcm_16000'));
    expect(song.durationMs).toBe(10_000);
    expect(song.audio.length).toBe(10 * 16_000 * 2);
    expect(song.plan).toEqual(plan);
  });

  it('gives decodable mp3 of the requested length, and 30 s without one', async () => {
    for (const [body, seconds] of [
      [{ prompt: 'lofi beats', music_length_ms: 7_000 }, 7],
      [{ prompt: 'lofi beats' }, 30],
      [{ prompt: 'lofi', model_id: 'music_v2', music_length_ms: 61_000 }, 61],
    ] as const) {
      const song = await composeSong(request(body, 'auto'));
      const { format } = await parseBuffer(
        song.audio,
        { mimeType: 'audio/mpeg' },
        { duration: true },
      );
      expect(Math.abs((format.duration ?? 0) - seconds)).toBeLessThan(0.03);
      expect(simPlanDurationMs(song.plan)).toBe(seconds * 1000);
    }
  });

  it('is deterministic for the request and seed, and differs across seeds', async () => {
    const a = await composeSong(request({ composition_plan: plan, seed: 5 }));
    const b = await composeSong(request({ composition_plan: plan, seed: 5 }));
    const c = await composeSong(request({ composition_plan: plan, seed: 6 }));
    expect(a.audio.equals(b.audio)).toBe(true);
    expect(a.songId).toBe(b.songId);
    expect(a.songId).toMatch(/^[A-Za-z0-9]{20}$/);
    expect(c.songId).not.toBe(a.songId);
    expect(c.audio.equals(a.audio)).toBe(false);
  });

  it('times the words of the lyrics inside their section, without directions', async () => {
    const song = await composeSong(request({ composition_plan: plan, seed: 1 }));
    expect(song.words?.map((w) => w.word)).toEqual(['one', 'two', 'three', 'four', 'five']);
    for (const word of song.words ?? []) {
      expect(word.start_ms).toBeGreaterThanOrEqual(3_500);
      expect(word.end_ms).toBeLessThanOrEqual(10_000);
      expect(word.end_ms).toBeGreaterThan(word.start_ms);
    }
    expect(song.metadata).toMatchObject({
      genres: ['jazz'],
      languages: ['en'],
      is_explicit: false,
    });
  });

  it('has no words for an instrumental song', async () => {
    const song = await composeSong(
      request({ prompt: 'ambient pads', music_length_ms: 20_000, force_instrumental: true }),
    );
    expect(song.words).toBeNull();
    expect(song.metadata.languages).toEqual([]);
  });
});

describe('writePlan', () => {
  it.each([3_000, 3_001, 29_999, 45_000, 119_999, 250_000, 599_999, 600_000])(
    'splits %i ms into parts of 3–120 s that sum to it exactly, in both shapes',
    (lengthMs) => {
      for (const model of ['music_v1', 'music_v2'] as const) {
        const written = writePlan({
          prompt: 'rock, with horns',
          lengthMs,
          model,
          instrumental: false,
          source: null,
          seed: hashParts(['t']),
        });
        expect(simPlanDurationMs(written)).toBe(lengthMs);
        const parts = 'sections' in written ? written.sections : written.chunks;
        expect(parts.length).toBeLessThanOrEqual(30);
        for (const part of parts) {
          const duration = 'duration_ms' in part ? part.duration_ms : 0;
          expect(duration).toBeGreaterThanOrEqual(3_000);
          expect(duration).toBeLessThanOrEqual(120_000);
        }
      }
    },
  );

  it('keeps a source plan’s section names and styles', () => {
    const written = writePlan({
      prompt: 'faster',
      lengthMs: 20_000,
      model: 'music_v1',
      instrumental: false,
      source: plan,
      seed: hashParts(['s']),
    });
    expect('sections' in written && written.sections.map((s) => s.section_name)).toEqual([
      'Intro',
      'Verse',
    ]);
    expect('sections' in written && written.positive_global_styles).toContain('jazz');
  });

  it('splitDuration never leaves a part outside the limits', () => {
    expect(splitDuration(600_000, 1)).toEqual(Array(5).fill(120_000));
    expect(splitDuration(9_000, 30)).toEqual([3_000, 3_000, 3_000]);
  });
});
