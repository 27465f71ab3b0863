import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { sineWav } from '../integration/e2e/audio-fixtures.ts';
import { startCluster, type Cluster } from './support/cluster.ts';
import { report } from './support/scenario.ts';
import type { WorkerProcess } from './support/service-process.ts';

const VOICES = ['voice-a', 'voice-b', 'voice-c'];

function dubRequest(uploadId: string, voice: string): object {
  return {
    type: 'dub',
    params: { voice_id: voice, seed: 5, output_format: 'mp3_44100_128' },
    input: { upload_id: uploadId },
  };
}

async function sha256Of(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The worker that logged the start of an upstream step of a dub. */
async function stepHolder(cluster: Cluster): Promise<WorkerProcess> {
  let holder: WorkerProcess | undefined;
  await cluster.waitUntil(
    'a worker started a dub step',
    () => {
      holder = cluster.workers.find((w) => w.lines.some((l) => l.msg === 'dub step started'));
      return holder !== undefined;
    },
    60_000,
  );
  return holder!;
}

describe('F19: kill -9 a worker in the middle of dub flows', () => {
  it('every dub ends succeeded with one output set', async () => {
    const started = Date.now();
    // Slow calls: the kill lands while steps are in flight.
    const cluster = await startCluster({
      label: 'f19',
      workers: 2,
      storage: 'file',
      simulator: { latencyMs: 1_500 },
    });
    try {
      const clips = [
        await cluster.upload(sineWav(2, 16_000, 220)),
        await cluster.upload(sineWav(2, 16_000, 330)),
      ];
      const ids: string[] = [];
      for (const clip of clips)
        for (const voice of VOICES) ids.push(await cluster.submit(dubRequest(clip, voice)));

      const victim = await stepHolder(cluster);
      await cluster.waitUntil(
        'an upstream call is in flight',
        () => cluster.simulator.counters().in_flight > 0,
        30_000,
      );
      victim.kill('SIGKILL');
      await victim.exited;

      const records = await cluster.waitFinished(ids, 180_000);
      for (const record of records) {
        expect(record.status, `${record.id}: ${JSON.stringify(record.error)}`).toBe('succeeded');
        expect(record.outputs.map((o) => o.name).sort()).toEqual(['audio', 'background', 'vocals']);
        // One output set: the job's folder holds its outputs and job.json, nothing else
        // (what a killed run wrote goes with the finish's sweep).
        const expected = [...record.outputs.map((o) => o.key), `jobs/${record.id}/job.json`].sort();
        let kept: string[] = [];
        await cluster
          .waitUntil(
            `only the committed objects of ${record.id}`,
            async () => {
              const keys: string[] = [];
              for await (const key of cluster.storage.list(`jobs/${record.id}/`)) keys.push(key);
              kept = keys.filter((key) => key !== record.input?.key).sort();
              return kept.join() === expected.join();
            },
            20_000,
          )
          .catch(() => undefined);
        expect(kept).toEqual(expected);
        for (const output of record.outputs)
          expect(await sha256Of(await cluster.storage.get(output.key))).toBe(output.sha256);
      }
      const requests = cluster.simulator.counters().requests;
      report('F19', {
        dubs: ids.length,
        stem_calls: requests['POST /v1/music/stem-separation'] ?? 0,
        speech_to_speech_calls: requests['POST /v1/speech-to-speech/{voice_id}'] ?? 0,
        seconds: (Date.now() - started) / 1000,
      });
    } finally {
      await cluster.stop();
    }
  });
});
