import { describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from './support/cluster.ts';
import { checkInvariants } from './support/invariants.ts';
import { INPUT, OUTPUT_FORMAT, report, totalRequests, VOICE } from './support/scenario.ts';

/**
 * A batch rerun's cache hits are answered by the intake itself, in the background after its
 * 202 (src/api/services/batch-cache-answers.ts): each hit's work item is queued delayed as its
 * safety net, then the intake starts the job's run, copies the cached outputs, finishes it and
 * removes the safety net. An api process killed mid-way, after each step of its third hit,
 * must leave every item ending `succeeded` from the cache: workers take over the rest when
 * their safety nets come due, with no upstream call, one object per output, nothing queued.
 */
const STEPS = ['batch-cache-claimed@3', 'intake-cache-copied@3', 'intake-cache-finished@3'];

/** Due soon after the crash: the scenario waits for the takeover, not for a minute. */
const RECOVERY_MS = '1500';

const ITEMS = 8;

/** The batch body: ITEMS speech-to-speech items on `upload`, one batch seed. */
function batchBody(upload: string): object {
  return {
    seed: 2121,
    defaults: {
      type: 'speech_to_speech',
      params: { voice_id: VOICE, output_format: OUTPUT_FORMAT },
      input: { upload_id: upload },
    },
    items: Array.from({ length: ITEMS }, (_, i) => ({ custom_id: `item-${i}` })),
  };
}

/** POSTs a batch to `url`; its id, or null when the process died before answering. */
async function postBatch(url: string, body: object): Promise<string | null> {
  try {
    const response = await fetch(`${url}/v1/batches`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    if (response.status !== 202) throw new Error(`batch refused: ${response.status} ${text}`);
    return (JSON.parse(text) as { id: string }).id;
  } catch (error) {
    if (error instanceof TypeError) return null;
    throw error;
  }
}

/** The batch's job ids, through the in-process intake. */
async function batchJobIds(cluster: Cluster, batchId: string): Promise<string[]> {
  const response = await cluster.request(`/v1/batches/${batchId}/jobs?limit=100`);
  const page = (await response.json()) as { data: { id: string }[] };
  return page.data.map((job) => job.id);
}

/** Every batch's id, through the in-process intake. */
async function batchIds(cluster: Cluster): Promise<string[]> {
  const response = await cluster.request('/v1/batches?limit=100');
  const page = (await response.json()) as { data: { id: string }[] };
  return page.data.map((batch) => batch.id);
}

describe('F21: an api killed while it answers a batch rerun from the cache', () => {
  it.each(STEPS)('killed after %s: every item ends succeeded from the cache', async (step) => {
    const started = Date.now();
    const cluster = await startCluster({
      label: `f21-${step.replace('@', '-')}`,
      workers: 1,
      storage: 'file',
      env: { CACHE_INTAKE_RECOVERY_MS: RECOVERY_MS },
    });
    try {
      const upload = await cluster.upload(INPUT);
      const body = batchBody(upload);
      const first = await postBatch(cluster.apiUrl, body);
      const sources = await cluster.waitFinished(await batchJobIds(cluster, first ?? ''), 60_000);
      expect(sources.map((job) => job.cache)).toEqual(Array(ITEMS).fill('miss'));
      expect(totalRequests(cluster)).toBe(ITEMS);

      const victim = await cluster.addApi('api-victim', { CRASH_POINTS: step });
      await postBatch(victim.url, body);
      expect((await victim.exited).signal, 'the api died').toBe('SIGKILL');
      const [rerun, ...others] = (await batchIds(cluster)).filter((id) => id !== first);
      expect(others, 'one batch stored by the dead intake').toEqual([]);
      const ids = await batchJobIds(cluster, rerun ?? '');
      expect(ids).toHaveLength(ITEMS);

      const hits = await cluster.waitFinished(ids, 60_000);
      for (const hit of hits) {
        expect(hit.status).toBe('succeeded');
        expect(hit.cache).toBe('hit');
      }
      const bytes = (jobs: typeof hits) => jobs.map((job) => job.outputs.map((o) => o.sha256));
      expect(bytes(hits)).toEqual(bytes(sources));
      // A hit never calls the upstream, whoever completed it.
      expect(totalRequests(cluster)).toBe(ITEMS);

      const figures = await checkInvariants(cluster, {
        jobIds: [...sources.map((job) => job.id), ...ids],
        limit: 4,
      });
      report(`F21-${step}`, { ...figures, step, seconds: (Date.now() - started) / 1000 });
    } finally {
      await cluster.stop();
    }
  });
});
