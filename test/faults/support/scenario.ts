import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sineWav } from '../../integration/e2e/audio-fixtures.ts';
import type { Cluster } from './cluster.ts';

export const VOICE = 'JBFqnCBsd6RMkjVDRZzb';

/** A one-second input: small, so the scenarios spend their time on faults, not on audio. */
export const INPUT = sineWav(1);

/**
 * Raw PCM: the simulator renders it without the seconds of mp3 encoding its first mp3 call of a
 * process costs, so scenario timings measure the system, not the simulator's warm-up.
 */
export const OUTPUT_FORMAT = 'pcm_16000';

/** A speech_to_speech request on `uploadId`; the seed makes each job its own fingerprint. */
export function stsRequest(uploadId: string, seed: number, params: object = {}): object {
  return {
    type: 'speech_to_speech',
    params: {
      voice_id: VOICE,
      model_id: 'eleven_multilingual_sts_v2',
      output_format: OUTPUT_FORMAT,
      seed,
      ...params,
    },
    input: { upload_id: uploadId },
  };
}

/** Submits `count` jobs on one upload, seeds `firstSeed`…, in order; returns their ids. */
export async function submitBatch(
  cluster: Cluster,
  uploadId: string,
  count: number,
  firstSeed = 1,
  params: object = {},
): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    ids.push(await cluster.submit(stsRequest(uploadId, firstSeed + i, params)));
  }
  return ids;
}

/** Where scenario figures go; `npm run test:faults` prints them, RELIABILITY.md quotes them. */
export const REPORT_DIR = join(tmpdir(), 'audiobatch-faults-report');

/** Records a scenario's figures (jobs, faults injected, outcomes, time) for the run summary. */
export function report(id: string, figures: Record<string, unknown>): void {
  mkdirSync(REPORT_DIR, { recursive: true });
  writeFileSync(join(REPORT_DIR, `${id}.json`), JSON.stringify({ id, ...figures }, null, 2));
}

/** Calls of one simulator counter snapshot, all endpoints together. */
export function totalRequests(cluster: Cluster): number {
  return Object.values(cluster.simulator.counters().requests).reduce((sum, n) => sum + n, 0);
}
