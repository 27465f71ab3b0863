import { sineWav } from '../../integration/e2e/audio-fixtures.ts';
import { VOICE } from '../support/scenario.ts';

/**
 * What the chaos run submits: every job type, raw PCM where the type allows it (the
 * simulator's mp3 encoder would make the run measure itself), each request its own
 * fingerprint unless it repeats one on purpose (a cache hit also has to survive crashes).
 */
export const CHAOS_INPUT = sineWav(1);

export type RequestMaker = (n: number) => object;

const speech: RequestMaker = (n) => ({
  type: 'speech_to_speech',
  params: { voice_id: VOICE, output_format: 'pcm_16000', seed: n },
  input: { upload_id: '$UPLOAD' },
});

const dialogue: RequestMaker = (n) => ({
  type: 'text_to_dialogue',
  params: {
    inputs: [
      { text: `Line ${n}, said once.`, voice_id: VOICE },
      { text: 'And answered.', voice_id: 'EXAVITQu4vr4xnSDxMaL' },
    ],
    output_format: 'pcm_16000',
    seed: n,
  },
  options: { with_timestamps: n % 2 === 0 },
});

const music: RequestMaker = (n) => ({
  type: 'music',
  params: {
    prompt: `a short calm loop, take ${n}`,
    music_length_ms: 3_000,
    output_format: 'pcm_16000',
  },
  cache: 'bypass',
});

const plan: RequestMaker = (n) => ({
  type: 'music_plan',
  params: { prompt: `an uplifting intro, variation ${n}`, music_length_ms: 10_000 },
  cache: 'bypass',
});

const stems: RequestMaker = (n) => ({
  type: 'stem_separation',
  params: { stem_variation_id: 'two_stems_v1', output_format: 'pcm_16000' },
  input: { upload_id: '$UPLOAD' },
  // Every stems job of one input has one fingerprint: after the first, hits from the cache.
  cache: n % 3 === 0 ? 'bypass' : 'use',
});

/** Single jobs cycle through the types in this order. */
export const SINGLE_JOBS: RequestMaker[] = [speech, dialogue, speech, music, dialogue, plan, stems];

/** A batch of `size` dialogue and speech items. */
export function batchBody(n: number, size: number): object {
  return {
    items: Array.from({ length: size }, (_, i) => ({
      custom_id: `chaos-${n}/item-${i}`,
      ...(i % 2 === 0 ? dialogue(n * 1000 + i) : speech(n * 1000 + i)),
    })),
  };
}

/** `request` with its upload placeholder filled in. */
export function withUpload<T extends object>(request: T, uploadId: string): T {
  return JSON.parse(JSON.stringify(request).replaceAll('$UPLOAD', uploadId)) as T;
}
