import type { JobRecord } from '../../src/shared/jobs/job-record.ts';
import { newJobRecord } from '../../src/shared/jobs/new-job-record.ts';

/** The deployment the records below were accepted by. */
export const TEST_DEPLOYMENT = 'dep_test';

/** A one-line dialogue job's record, as the intake builds it (nothing stored). */
export function dialogueJobRecord(owner: string, batchId: string | null = null): JobRecord {
  return newJobRecord({
    owner,
    cacheScope: `tenant.${owner}`,
    request: {
      type: 'text_to_dialogue',
      params: { inputs: [{ text: 'line', voice_id: 'v' }] },
    } as unknown as JobRecord['request'],
    seed: 7,
    input: null,
    batchId,
    createdAt: new Date().toISOString(),
    deployment: TEST_DEPLOYMENT,
    estimate: null,
  });
}
