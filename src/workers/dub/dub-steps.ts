import { createHash } from 'node:crypto';
import { canonicalJson } from '../../shared/jobs/fingerprint.ts';
import type { JobRecord } from '../../shared/jobs/job-record.ts';
import type { RequestOf } from '../jobs/job-definition.ts';

/**
 * The upstream steps of a dub and what each one is asked: the request of the existing job type
 * it reuses (stem_separation, speech_to_speech), derived from the dub's request, and the
 * fingerprint that names its answer in the step cache. A step's fingerprint covers only what
 * changes its answer: the separation depends on the input and the variation, never on the
 * voice; the conversion depends on the separation's answer (its fingerprint) and the voice.
 */

export const UPSTREAM_DUB_STEPS = ['stems', 'speech_to_speech'] as const;
export type UpstreamDubStep = (typeof UPSTREAM_DUB_STEPS)[number];

/** What the separation is asked to answer in: a container ffmpeg and the upstream both read. */
export const DUB_STEMS_FORMAT = 'mp3_44100_128';

export type DubRecord = JobRecord & { request: RequestOf<'dub'> };

export function isDubRecord(record: JobRecord): record is DubRecord {
  return record.request.type === 'dub';
}

export function stemsRequest(record: DubRecord): RequestOf<'stem_separation'> {
  return {
    type: 'stem_separation',
    params: {
      stem_variation_id: record.request.params.stem_variation_id,
      sign_with_c2pa: false,
      output_format: DUB_STEMS_FORMAT,
    },
    input: record.request.input,
    options: {},
    cache: record.request.cache,
  };
}

export function speechToSpeechRequest(record: DubRecord): RequestOf<'speech_to_speech'> {
  const { params } = record.request;
  return {
    type: 'speech_to_speech',
    params: {
      voice_id: params.voice_id,
      model_id: params.model_id,
      voice_settings: params.voice_settings,
      seed: record.seed ?? undefined,
      remove_background_noise: params.remove_background_noise,
      file_format: 'other',
      output_format: params.output_format,
      enable_logging: true,
      optimize_streaming_latency: undefined,
    },
    input: record.request.input,
    options: { stream: false },
    cache: record.request.cache,
  };
}

export interface StepFingerprints {
  stems: string;
  speech_to_speech: string;
}

/** Null until the input is in storage and hashed (the dub's first run does that). */
export function stepFingerprints(record: DubRecord): StepFingerprints | null {
  const inputSha256 = record.input?.sha256 ?? null;
  if (inputSha256 === null) return null;
  const stems = hash({
    step: 'stems',
    input_sha256: inputSha256,
    params: stemsRequest(record).params,
  });
  const speech = hash({
    step: 'speech_to_speech',
    vocals_of: stems,
    params: speechToSpeechRequest(record).params,
  });
  return { stems, speech_to_speech: speech };
}

function hash(value: unknown): string {
  return `sha256:${createHash('sha256').update(canonicalJson(value)).digest('hex')}`;
}
