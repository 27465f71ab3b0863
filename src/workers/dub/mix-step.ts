import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { StoredOutput } from '../../shared/jobs/job-record.ts';
import { describeOutputFormat } from '../../shared/jobs/output-formats.ts';
import type { ObjectStorage } from '../../shared/storage/object-storage.ts';
import { mixTracks } from '../mix/mix-audio.ts';
import { outputKey, putOutput } from '../outputs/write-output.ts';

export interface MixStepInput {
  storage: ObjectStorage;
  /** The converted voice and the separated background, as stored by their steps. */
  vocals: StoredOutput;
  background: StoredOutput;
  mix: { vocals_gain_db: number; background_gain_db: number; loudness_lufs?: number | undefined };
  outputFormat: string;
  /** The dub run's own folder. */
  outputFolder: string;
  signal: AbortSignal;
}

/**
 * The dub's last step, local CPU work: fetches both tracks into a private temporary folder,
 * mixes them with ffmpeg (aligned to the background's length), and stores the mix as the
 * dub's `audio`. The folder goes whatever happens.
 */
export async function mixStep(input: MixStepInput): Promise<StoredOutput> {
  const { storage, signal } = input;
  const folder = await mkdtemp(join(tmpdir(), 'audiobatch-dub-'));
  try {
    const vocalsPath = join(folder, `vocals${extensionOf(input.vocals.key)}`);
    const backgroundPath = join(folder, `background${extensionOf(input.background.key)}`);
    await pipeline(await storage.get(input.vocals.key, { signal }), createWriteStream(vocalsPath));
    await pipeline(
      await storage.get(input.background.key, { signal }),
      createWriteStream(backgroundPath),
    );
    const { extension, contentType } = describeOutputFormat(input.outputFormat);
    const mixPath = join(folder, `mix.${extension}`);
    const mixed = await mixTracks(
      {
        vocalsPath,
        backgroundPath,
        vocalsGainDb: input.mix.vocals_gain_db,
        backgroundGainDb: input.mix.background_gain_db,
        ...(input.mix.loudness_lufs === undefined ? {} : { loudnessLufs: input.mix.loudness_lufs }),
        outputFormat: input.outputFormat,
        outputPath: mixPath,
      },
      signal,
    );
    const output = await putOutput(input, {
      name: 'audio',
      key: outputKey(input.outputFolder, 'audio', extension),
      contentType: mixed.contentType || contentType,
      body: createReadStream(mixPath),
    });
    return { ...output, duration_ms: Math.round(mixed.durationSeconds * 1000) };
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

function extensionOf(key: string): string {
  const dot = key.lastIndexOf('.');
  return dot > key.lastIndexOf('/') ? key.slice(dot) : '';
}
