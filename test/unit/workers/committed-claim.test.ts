import { describe, expect, it } from 'vitest';
import type { ClaimResult } from '../../../src/shared/jobs/job-store.ts';
import { claimWhenCommitted } from '../../../src/workers/committed-claim.ts';
import { dialogueJobRecord } from '../../support/job-records.ts';

/** A claim answering `outcomes` in turn (the last one again once they run out). */
function claims(...outcomes: ClaimResult[]) {
  let calls = 0;
  const claim = () => Promise.resolve(outcomes[Math.min(calls++, outcomes.length - 1)]!);
  return { claim, calls: () => calls };
}

const uncommitted: ClaimResult = { outcome: 'uncommitted' };
const claimed: ClaimResult = {
  outcome: 'claimed',
  record: dialogueJobRecord('public'),
  takeover: false,
};

describe('claiming a job whose batch may not be committed yet', () => {
  it('claims at once a job whose batch is committed', async () => {
    const { claim, calls } = claims(claimed);
    expect(await claimWhenCommitted(claim)).toEqual(claimed);
    expect(calls()).toBe(1);
  });

  it('claims again until the batch commits', async () => {
    const { claim, calls } = claims(uncommitted, uncommitted, claimed);
    expect(await claimWhenCommitted(claim)).toEqual(claimed);
    expect(calls()).toBe(3);
  });

  it('answers a job that vanished meanwhile (its batch rolled back) as missing', async () => {
    const { claim } = claims(uncommitted, { outcome: 'missing' });
    expect(await claimWhenCommitted(claim)).toEqual({ outcome: 'missing' });
  });

  it('gives up once its wait is over, or its signal aborts', async () => {
    const late = claims(uncommitted);
    expect(await claimWhenCommitted(late.claim, { waitMs: 120 })).toEqual(uncommitted);
    expect(late.calls()).toBeGreaterThan(1);
    const closing = claims(uncommitted);
    const signal = AbortSignal.abort();
    expect(await claimWhenCommitted(closing.claim, { signal })).toEqual(uncommitted);
    expect(closing.calls()).toBe(1);
  });
});
