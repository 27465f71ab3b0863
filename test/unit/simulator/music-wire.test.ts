import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { loadSimulatorConfig } from '../../../src/simulator/load-config.ts';
import { SimulatorConfigError } from '../../../src/simulator/config.ts';
import { detailedPayload } from '../../../src/simulator/routes/music-multipart.ts';
import {
  checkMusicAccess,
  checkPlan,
  checkPrompt,
  scrubArtists,
} from '../../../src/simulator/routes/music-policy.ts';
import { parseComposeRequest } from '../../../src/simulator/routes/music-request.ts';
import { composeSong } from '../../../src/simulator/routes/music-song.ts';
import { UpstreamHttpError } from '../../../src/simulator/upstream-errors.ts';
import { readMultipartMixed } from '../../../src/workers/music/multipart-mixed.ts';
import { DEFAULT_SIMULATOR_CONFIG } from '../../../src/simulator/config.ts';

async function song(format = 'mp3_44100_128') {
  const request = parseComposeRequest(new URLSearchParams({ output_format: format }), {
    prompt: 'Neon nights, synthwave',
    music_length_ms: 4_000,
  });
  return { request, song: await composeSong(request) };
}

// The first use of an mp3 format builds its phrase pool: seconds on a busy machine.
describe('the detailed multipart/mixed body', { timeout: 60_000 }, () => {
  it('is laid out exactly as upstream.md says', async () => {
    const { request, song: s } = await song();
    const { body, contentType } = detailedPayload(s, request.format);
    const boundary = /^multipart\/mixed; boundary=(\S+)$/.exec(contentType)?.[1] ?? '';
    expect(boundary).toMatch(/^[0-9a-f]{32}$/);
    const lines = body.toString('latin1').split('\r\n');
    expect(lines.slice(0, 3)).toEqual([`--${boundary}`, 'Content-Type: application/json', '']);
    const json = JSON.parse(lines[3] ?? '') as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(['composition_plan', 'song_metadata', 'words_timestamps']);
    expect(json.song_metadata).toEqual({
      title: 'Neon Nights Synthwave',
      description: 'A 4-second song: Neon nights, synthwave',
      genres: ['synthwave'],
      languages: ['en'],
      is_explicit: false,
    });
    expect(lines.slice(4, 8)).toEqual([
      `--${boundary}`,
      'Content-Type: audio/mpeg',
      'Content-Disposition: attachment; filename="neon_nights_synthwave.mp3"',
      '',
    ]);
    const closing = Buffer.from(`\r\n--${boundary}--`);
    expect(body.subarray(body.length - closing.length).equals(closing)).toBe(true);
    const audioStart = body.indexOf('\r\n\r\n', body.indexOf(`--${boundary}`, 10)) + 4;
    expect(body.subarray(audioStart, body.length - closing.length).equals(s.audio)).toBe(true);
  });

  it('round-trips through a real multipart parser for every codec', async () => {
    for (const format of ['pcm_16000', 'ulaw_8000', 'opus_48000_64', 'mp3_22050_32']) {
      const { request, song: s } = await song(format);
      const { body, contentType } = detailedPayload(s, request.format);
      const parts = await readMultipartMixed(Readable.from([body]), contentType, {
        maxPartBytes: 1 << 24,
      });
      expect(parts.map((p) => p.mediaType)).toEqual([
        'application/json',
        request.format.contentType,
      ]);
      expect(Buffer.from(parts[1]?.bytes ?? []).equals(s.audio)).toBe(true);
    }
  });
});

function refusal(call: () => void): { status: number; detail: Record<string, unknown> } {
  try {
    call();
  } catch (error) {
    if (error instanceof UpstreamHttpError) {
      return {
        status: error.status,
        detail: (error.body as { detail: Record<string, unknown> }).detail,
      };
    }
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('the simulated content policy and plan gate', () => {
  it('replaces flagged artist names, any case, and leaves other text alone', () => {
    expect(scrubArtists('Like TAYLOR SWIFT meets Eminem')).toEqual({
      text: 'Like a contemporary pop singer-songwriter meets a rapid-fire rapper',
      found: ['TAYLOR SWIFT', 'Eminem'],
    });
    expect(scrubArtists('swift taylor, beatlemania').found).toEqual([]);
    expect(() => checkPrompt('calm piano', 'r')).not.toThrow();
  });

  it('refuses such a prompt with 400 bad_prompt and a suggestion', () => {
    const { status, detail } = refusal(() => checkPrompt('a song like The Beatles', 'req1'));
    expect(status).toBe(400);
    expect(detail).toMatchObject({
      code: 'bad_prompt',
      status: 'bad_prompt',
      param: 'prompt',
      request_id: 'req1',
      data: { prompt_suggestion: 'a song like a 1960s British guitar band' },
    });
  });

  it('refuses such a plan with 400 bad_composition_plan and the plan rewritten', () => {
    const plan = {
      positive_global_styles: ['beyoncé vocals'],
      negative_global_styles: [],
      sections: [
        {
          section_name: 'A',
          positive_local_styles: [],
          negative_local_styles: [],
          duration_ms: 3_000,
          lines: ['hi'],
        },
      ],
    };
    const { status, detail } = refusal(() => checkPlan(plan, 'composition_plan', 'r'));
    expect(status).toBe(400);
    expect(detail).toMatchObject({
      code: 'bad_composition_plan',
      data: {
        composition_plan_suggestion: {
          ...plan,
          positive_global_styles: ['a powerful R&B vocalist vocals'],
        },
      },
    });
  });

  it('answers 402 limited_access on a free plan only', () => {
    expect(() => checkMusicAccess(DEFAULT_SIMULATOR_CONFIG, 'r')).not.toThrow();
    const { status, detail } = refusal(() =>
      checkMusicAccess({ ...DEFAULT_SIMULATOR_CONFIG, plan: 'free' }, 'r'),
    );
    expect(status).toBe(402);
    expect(detail).toMatchObject({ code: 'limited_access', status: 'limited_access' });
  });

  it('reads the plan from SIMULATOR_PLAN (default paid) and refuses other values', () => {
    expect(loadSimulatorConfig({}).config.plan).toBe('paid');
    expect(loadSimulatorConfig({ SIMULATOR_PLAN: 'free' }).config.plan).toBe('free');
    expect(() => loadSimulatorConfig({ SIMULATOR_PLAN: 'gold' })).toThrow(SimulatorConfigError);
  });
});
