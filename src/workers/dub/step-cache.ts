import { z } from 'zod';
import { storedOutputSchema } from '../../shared/jobs/job-record.ts';
import { readJson } from '../../shared/lifecycle/read-json.ts';
import { deleteFolder } from '../../shared/storage/delete-folder.ts';
import type { ObjectStorage } from '../../shared/storage/object-storage.ts';

/**
 * The step cache of dubs: `cache/{scope}/steps/{fingerprint}/` holds one answer of one step
 * (the separation's stems, the conversion's voice) within a tenant's cache scope. Each run of
 * a step writes under `runs/{run_id}/` of that folder, then `step.json` names the run whose
 * outputs answer the fingerprint; written last, so a step.json always names complete outputs.
 * Two runs racing on one fingerprint both complete; the second finds step.json and removes its
 * own copy.
 *
 * Lifetime: a dub copies what it uses into its own run folder (outputs `vocals`, `background`),
 * so no job depends on a step entry; deleting a job leaves the step cache alone (another dub
 * may answer from it) and the entry goes with its scope's `cache/` folder (see README,
 * "Dubbing").
 */

export const stepEntrySchema = z.object({
  step: z.string(),
  fingerprint: z.string(),
  run_id: z.string(),
  /** The dub whose run computed it (for the record; nothing depends on it). */
  job_id: z.string(),
  outputs: z.array(storedOutputSchema),
  upstream_calls: z.number().int(),
  created_at: z.string(),
});
export type StepEntry = z.infer<typeof stepEntrySchema>;

export function stepFolder(scope: string, fingerprint: string): string {
  return `cache/${scope}/steps/${fingerprint.replace(/^sha256:/, '')}/`;
}

export function stepRunFolder(scope: string, fingerprint: string, runId: string): string {
  return `${stepFolder(scope, fingerprint)}runs/${runId}/`;
}

const entryKey = (scope: string, fingerprint: string) =>
  `${stepFolder(scope, fingerprint)}step.json`;

/** The stored answer of a step, or null when the step has not been answered in this scope. */
export async function readStep(
  storage: ObjectStorage,
  scope: string,
  fingerprint: string,
): Promise<StepEntry | null> {
  return readJson(storage, entryKey(scope, fingerprint), stepEntrySchema);
}

/**
 * Records a run's outputs as the step's answer, unless another run got there first: then that
 * answer stands (the same request, answered once) and this run's copy is removed.
 */
export async function storeStep(
  storage: ObjectStorage,
  scope: string,
  entry: StepEntry,
): Promise<StepEntry> {
  const existing = await readStep(storage, scope, entry.fingerprint);
  if (existing !== null && existing.run_id !== entry.run_id) {
    await deleteFolder(storage, stepRunFolder(scope, entry.fingerprint, entry.run_id));
    return existing;
  }
  await storage.put(entryKey(scope, entry.fingerprint), JSON.stringify(entry), {
    contentType: 'application/json',
  });
  return entry;
}
