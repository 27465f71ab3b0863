import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { dialogueTimeline } from '../../../src/simulator/routes/text-to-dialogue-timeline.ts';
import {
  timestampsDocumentSchema,
  type VoiceSegment,
} from '../../../src/workers/dialogue/dialogue-wire.ts';
import { parseSrt, parseVtt, type ParsedCue } from '../../unit/workers/dialogue/caption-parsers.ts';
import { decodedDurationSeconds } from './audio-fixtures.ts';
import { download, sha256, submit, waitFinished, type Job } from './e2e-helpers.ts';
import { startTestService, type TestService } from './service-harness.ts';

const INPUTS = [
  { text: 'Knock knock. Is anybody home this evening?', voice_id: 'JBFqnCBsd6RMkjVDRZzb' },
  { text: 'Who is there, at this hour of the night?', voice_id: 'Aw4FAjKCGjjNkVhN1Xmq' },
  {
    text:
      'It is only me, your neighbour from across the street, with the parcel that the courier ' +
      'left at my door by mistake this morning while you were out.',
    voice_id: 'JBFqnCBsd6RMkjVDRZzb',
  },
];
// What the simulator speaks: its timeline is the ground truth for times and duration.
const TIMELINE = dialogueTimeline(INPUTS.map((i) => ({ text: i.text, voiceId: i.voice_id })));
const CHARACTERS = INPUTS.reduce((sum, input) => sum + [...input.text].length, 0);

// The report's fields the tests read; the rest of it is checked by the unit tests.
const reportSchema = z.object({
  ok: z.boolean(),
  monotonic: z.boolean(),
  problem_count: z.number(),
  chunk_times: z.enum(['single', 'absolute', 'relative']),
  chunks: z.number(),
});

function dialogueRequest(params: object = {}, options: object = {}) {
  return { type: 'text_to_dialogue', params: { inputs: INPUTS, ...params }, options };
}

/** The `timestamps` output, checked against its schema. */
async function timestampsOf(service: TestService, job: Job) {
  const json = JSON.parse((await download(service, job, 'timestamps')).toString('utf8')) as {
    alignment_report: unknown;
  };
  return {
    ...timestampsDocumentSchema.parse(json),
    alignment_report: reportSchema.parse(json.alignment_report),
  };
}

/** Every cue lies in one voice segment, of its voice; a segment's cues spell its input's text. */
function expectCuesMatchSegments(cues: ParsedCue[], segments: VoiceSegment[]): void {
  const inside = (cue: ParsedCue, segment: VoiceSegment) =>
    cue.start >= segment.start_time_seconds - 0.002 && cue.end <= segment.end_time_seconds + 0.002;
  for (const cue of cues) expect(segments.filter((s) => inside(cue, s))).toHaveLength(1);
  for (const segment of segments) {
    const own = cues.filter((cue) => inside(cue, segment));
    expect(new Set(own.map((cue) => cue.voice))).toEqual(new Set([segment.voice_id]));
    expect(own.map((cue) => cue.text).join(' ')).toBe(INPUTS[segment.dialogue_input_index]?.text);
  }
}

describe.each(['file', 's3'] as const)('text_to_dialogue end to end (%s storage)', (storage) => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService({ storage });
  });
  afterAll(async () => {
    await service?.stop();
  });

  it('plain: decodable mp3 as long as the text, seed sent, billed per character', async () => {
    const job = await submit(
      service,
      dialogueRequest({ seed: 11, settings: { stability: 0.5 }, language_code: 'en' }),
    );
    expect(job.seed).toBe(11);
    const done = await waitFinished(service, job.id);
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    expect(done.upstream).toMatchObject({
      endpoint: '/v1/text-to-dialogue',
      calls: 1,
      character_cost: CHARACTERS,
    });
    expect(done.outputs.map((o) => o.name)).toEqual(['audio']);
    const bytes = await download(service, done);
    expect(sha256(bytes)).toBe(done.outputs[0]?.sha256);
    expect(await decodedDurationSeconds(bytes, 'audio/mpeg')).toBeCloseTo(
      TIMELINE.durationSeconds,
      1,
    );
  });

  it('stream: raw PCM, exactly the text’s duration', async () => {
    const done = await waitFinished(
      service,
      (await submit(service, dialogueRequest({ output_format: 'pcm_16000' }, { stream: true }))).id,
    );
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    expect(done.upstream?.endpoint).toBe('/v1/text-to-dialogue/stream');
    const bytes = await download(service, done);
    expect(bytes.length).toBe(Math.round(TIMELINE.durationSeconds * 16_000) * 2);
    expect(done.outputs[0]?.duration_ms).toBe(Math.round(TIMELINE.durationSeconds * 1000));
  });

  it.each([
    { stream: false, endpoint: '/v1/text-to-dialogue/with-timestamps' },
    { stream: true, endpoint: '/v1/text-to-dialogue/stream/with-timestamps' },
  ])(
    'with timestamps (stream: $stream): audio, timestamps and captions that agree',
    async ({ stream, endpoint }) => {
      const done = await waitFinished(
        service,
        (await submit(service, dialogueRequest({ seed: 5 }, { stream, with_timestamps: true }))).id,
      );
      expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
      expect(done.upstream?.endpoint).toBe(endpoint);
      expect(done.outputs.map((o) => [o.name, o.content_type])).toEqual([
        ['audio', 'audio/mpeg'],
        ['timestamps', 'application/json'],
        ['captions.vtt', 'text/vtt; charset=utf-8'],
        ['captions.srt', 'application/x-subrip; charset=utf-8'],
      ]);
      const audio = await download(service, done);
      const seconds = await decodedDurationSeconds(audio, 'audio/mpeg');
      expect(seconds).toBeCloseTo(TIMELINE.durationSeconds, 1);

      const timestamps = await timestampsOf(service, done);
      expect(timestamps.alignment?.characters.join('')).toBe(INPUTS.map((i) => i.text).join(''));
      expect(timestamps.normalized_alignment?.characters.length).toBe(CHARACTERS);
      timestamps.alignment?.character_start_times_seconds.forEach((t, i) =>
        expect(
          Math.abs(t - (TIMELINE.alignment.character_start_times_seconds[i] ?? NaN)),
        ).toBeLessThan(0.0015),
      );
      expect(
        timestamps.voice_segments.map((s) => [
          s.voice_id,
          s.dialogue_input_index,
          s.character_start_index,
          s.character_end_index,
        ]),
      ).toEqual(
        TIMELINE.voiceSegments.map((s) => [
          s.voice_id,
          s.dialogue_input_index,
          s.character_start_index,
          s.character_end_index,
        ]),
      );
      const lastEnd = timestamps.alignment?.character_end_times_seconds.at(-1) ?? Infinity;
      expect(lastEnd).toBeLessThanOrEqual(seconds);
      expect(timestamps.alignment_report).toMatchObject({
        ok: true,
        monotonic: true,
        problem_count: 0,
        chunk_times: stream ? 'absolute' : 'single',
      });
      expect(done.result).toMatchObject({ alignment_report: { ok: true, monotonic: true } });

      const vtt = parseVtt((await download(service, done, 'captions.vtt')).toString('utf8'));
      const srt = parseSrt((await download(service, done, 'captions.srt')).toString('utf8'));
      expect(vtt.length).toBeGreaterThan(INPUTS.length); // the long third line is split
      expect(srt.map(({ start, end, voice, text }) => ({ start, end, voice, text }))).toEqual(
        vtt.map(({ start, end, voice, text }) => ({ start, end, voice, text })),
      );
      expectCuesMatchSegments(vtt, timestamps.voice_segments);
    },
  );
});

describe('text_to_dialogue: streamed timestamps, faults and upstream errors', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService({ storage: 'file' });
  });
  afterAll(async () => {
    service.simulator.configure({ dialogueChunkTimes: 'absolute' });
    await service?.stop();
  });

  async function streamedJob(format: string): Promise<Job> {
    const request = {
      ...dialogueRequest(
        { seed: 99, output_format: format },
        { stream: true, with_timestamps: true },
      ),
      cache: 'bypass',
    };
    return waitFinished(service, (await submit(service, request)).id);
  }

  it.each(['mp3_22050_32', 'pcm_24000', 'opus_48000_64'])(
    '%s: absolute and relative chunk times give the same absolute timestamps and audio',
    async (format) => {
      service.simulator.configure({ dialogueChunkTimes: 'absolute' });
      const absolute = await streamedJob(format);
      service.simulator.configure({ dialogueChunkTimes: 'relative' });
      const relative = await streamedJob(format);
      expect(absolute.status, JSON.stringify(absolute.error)).toBe('succeeded');
      expect(relative.status, JSON.stringify(relative.error)).toBe('succeeded');
      expect(relative.outputs[0]?.sha256).toBe(absolute.outputs[0]?.sha256);

      const a = await timestampsOf(service, absolute);
      const r = await timestampsOf(service, relative);
      expect(a.alignment_report).toMatchObject({ ok: true, chunk_times: 'absolute' });
      expect(r.alignment_report).toMatchObject({ ok: true, chunk_times: 'relative' });
      expect(a.alignment_report.chunks).toBeGreaterThan(2);
      expect(r.alignment?.characters).toEqual(a.alignment?.characters);
      r.alignment?.character_start_times_seconds.forEach((t, i) =>
        expect(Math.abs(t - (a.alignment?.character_start_times_seconds[i] ?? NaN))).toBeLessThan(
          0.002,
        ),
      );
      r.alignment?.character_end_times_seconds.forEach((t, i) =>
        expect(Math.abs(t - (a.alignment?.character_end_times_seconds[i] ?? NaN))).toBeLessThan(
          0.002,
        ),
      );
      expect(r.voice_segments.map((s) => s.character_start_index)).toEqual(
        a.voice_segments.map((s) => s.character_start_index),
      );
      expect(
        parseVtt((await download(service, relative, 'captions.vtt')).toString('utf8')).map(
          (c) => c.text,
        ),
      ).toEqual(
        parseVtt((await download(service, absolute, 'captions.vtt')).toString('utf8')).map(
          (c) => c.text,
        ),
      );
    },
  );

  it.each([
    { fault: 'reset_mid_body', options: { stream: true, with_timestamps: true } },
    { fault: 'truncated_body', options: { stream: false, with_timestamps: true } },
    { fault: 'error_500', options: { stream: true, with_timestamps: false } },
  ] as const)(
    'recovers from $fault on $options.stream/$options.with_timestamps with whole outputs',
    async ({ fault, options }) => {
      const request = {
        ...dialogueRequest({ seed: 3, output_format: 'pcm_16000' }, options),
        cache: 'bypass',
      };
      const clean = await waitFinished(service, (await submit(service, request)).id);
      service.simulator.configure({ faults: { next: [fault] } });
      const done = await waitFinished(service, (await submit(service, request)).id);
      expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
      expect(done.attempts).toBe(2);
      expect(done.outputs.map((o) => o.sha256)).toEqual(clean.outputs.map((o) => o.sha256));
    },
  );

  it('fails at once, after one call, on a voice the upstream does not know', async () => {
    service.simulator.configure({ rejectVoiceIds: ['missingVoice'] });
    const request = dialogueRequest(
      { inputs: [{ text: 'Hello?', voice_id: 'missingVoice' }] },
      { with_timestamps: true },
    );
    const done = await waitFinished(service, (await submit(service, request)).id);
    expect(done.status).toBe('failed');
    expect(done.attempts).toBe(1);
    expect(done.upstream?.calls).toBe(1);
    expect(done.error).toMatchObject({
      upstream_status: 404,
      upstream_code: 'voice_not_found',
      retryable: false,
    });
    expect(done.outputs).toEqual([]);
  });
});
