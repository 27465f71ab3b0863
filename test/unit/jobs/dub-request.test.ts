import { describe, expect, it } from 'vitest';
import { BatchProblems } from '../../../src/api/services/batch-problems.ts';
import { validateItems } from '../../../src/api/services/batch-items.ts';
import { assertToolsAvailable } from '../../../src/api/services/tool-checks.ts';
import type { ValidationError } from '../../../src/shared/errors.ts';
import { jobRequestSchema } from '../../../src/shared/jobs/job-request.ts';
import { ToolUnavailableError } from '../../../src/shared/media/tool-unavailable.ts';
import { stepFingerprints, type DubRecord } from '../../../src/workers/dub/dub-steps.ts';

const policy = { allowPrivate: false, signingConfigured: true };
const missing = { available: false as const, reason: 'ffmpeg is turned off (FFMPEG_PATH=none).' };
const present = { available: true as const, path: '/usr/bin/ffmpeg', source: 'path' as const };

const dub = (params: object = {}) => ({
  type: 'dub',
  params: { voice_id: 'voice-a', ...params },
  input: { upload_id: 'upl_00000000000000000000000000' },
});

describe('dub requests', () => {
  it('fills the defaults: two stems, mp3, a mix at unity gain', () => {
    const parsed = jobRequestSchema.parse(dub());
    expect(parsed.type).toBe('dub');
    expect(parsed.params).toMatchObject({
      stem_variation_id: 'two_stems_v1',
      output_format: 'mp3_44100_128',
      model_id: 'eleven_english_sts_v2',
      mix: { vocals_gain_db: 0, background_gain_db: 0 },
    });
  });

  it('names the field of every problem', () => {
    const result = jobRequestSchema.safeParse(
      dub({ mix: { vocals_gain_db: 99 }, output_format: 'opus_48000_64', stem: 1 }),
    );
    expect(result.success).toBe(false);
    const paths = result.error!.issues.map((issue) => issue.path.join('.'));
    expect(paths).toEqual(
      expect.arrayContaining(['params.mix.vocals_gain_db', 'params.output_format', 'params']),
    );
  });

  it('is refused with tool_unavailable when ffmpeg is missing, alone or in a batch', () => {
    const request = jobRequestSchema.parse(dub());
    expect(() => assertToolsAvailable(request, present)).not.toThrow();
    const thrown = (() => {
      try {
        assertToolsAvailable(request, missing);
      } catch (error) {
        return error;
      }
      return null;
    })();
    expect(thrown).toBeInstanceOf(ToolUnavailableError);
    expect(thrown).toMatchObject({ code: 'tool_unavailable', httpStatus: 422 });

    const problems = new BatchProblems();
    const items: unknown[] = [
      dub(),
      { type: 'stem_separation', input: { upload_id: 'upl_00000000000000000000000001' } },
    ];
    validateItems(items, undefined, policy, problems, missing);
    const error = (() => {
      try {
        problems.throwIfAny();
      } catch (caught) {
        return caught as ValidationError;
      }
      throw new Error('no problems');
    })();
    expect(error.details).toEqual([
      expect.objectContaining({ field: 'items[0].type', code: 'tool_unavailable' }),
    ]);
  });

  it('fingerprints its steps so a new voice keeps the separation and changes the conversion', () => {
    const record = (params: object) =>
      ({
        request: jobRequestSchema.parse(dub(params)),
        seed: 7,
        input: { sha256: 'abc' },
      }) as unknown as DubRecord;
    const a = stepFingerprints(record({}))!;
    const b = stepFingerprints(record({ voice_id: 'voice-b' }))!;
    const c = stepFingerprints(record({ mix: { vocals_gain_db: 3 } }))!;
    expect(b.stems).toBe(a.stems);
    expect(b.speech_to_speech).not.toBe(a.speech_to_speech);
    expect(c).toEqual(a);
  });
});
