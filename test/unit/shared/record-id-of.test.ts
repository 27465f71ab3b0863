import { describe, expect, it } from 'vitest';
import { recordIdOf } from '../../../src/shared/queue/queues.ts';

describe('the job record a work item is for', () => {
  it('is its BullMQ id when its data names none (work items queued since records v7)', () => {
    expect(recordIdOf({ id: 'job_a', data: {} })).toBe('job_a');
  });

  it("is the data's job_id when there is one (older work items, a dub's step jobs)", () => {
    expect(recordIdOf({ id: 'job_a', data: { job_id: 'job_a' } })).toBe('job_a');
    expect(recordIdOf({ id: 'step-1', data: { job_id: 'job_dub' } })).toBe('job_dub');
  });
});
