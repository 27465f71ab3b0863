import type { JobRecord } from '../../shared/jobs/job-record.ts';
import type { JobStore } from '../../shared/jobs/job-store.ts';
import type { CacheCandidate, CacheHint } from '../../shared/lifecycle/cache-hints.ts';
import { answersFrom } from '../../shared/lifecycle/result-cache.ts';

/** Hits whose sources one round trip reads: a chunk's records are a few hundred kB at most. */
const CHUNK = 250;

/**
 * The cached sources of a batch's hits, read from the records their cache hints name, a chunk
 * of hits per round trip (HGETALLs in one pipeline), the next chunk read while the lanes work
 * through this one. A hit costs no storage read and no Redis read of its own: a rerun's
 * answers wait on Redis and storage once per step, and this step is the one that batches.
 * Each source is checked as a storage pointer's would be (answersFrom): another job,
 * `succeeded` with the very run named. Hits are asked for in order ({@link of}), so a chunk
 * behind the one asked for is dropped.
 */
export class HintedSources {
  readonly #chunks = new Map<number, Promise<(JobRecord | null)[]>>();

  constructor(
    private readonly jobs: JobStore,
    private readonly hits: readonly (CacheCandidate & { hint: CacheHint })[],
  ) {}

  /**
   * The source answering hit `index`, null when its hint's job does not answer it (a miss);
   * undefined when the hint names no run (written before hints did): look it up in storage.
   */
  async of(index: number): Promise<JobRecord | null | undefined> {
    const hit = this.hits[index];
    if (!hit || hit.hint.runId === null) return undefined;
    const chunk = Math.floor(index / CHUNK);
    if (index % CHUNK === 0) this.#chunks.delete(chunk - 1);
    const records = this.#read(chunk);
    void this.#read(chunk + 1);
    const source = (await records)[index % CHUNK] ?? null;
    return answersFrom(source, hit.fingerprint, hit.hint, { jobId: hit.id });
  }

  #read(chunk: number): Promise<(JobRecord | null)[]> {
    let records = this.#chunks.get(chunk);
    if (!records) {
      const ids = this.hits.slice(chunk * CHUNK, (chunk + 1) * CHUNK).map((h) => h.hint.jobId);
      records = ids.length === 0 ? Promise.resolve([]) : this.jobs.getMany(ids);
      // A read ahead may fail unawaited: the hits that ask for it get the error then.
      records.catch(() => undefined);
      this.#chunks.set(chunk, records);
    }
    return records;
  }
}
