import { describe, expect, it } from 'vitest';
import type { JobRecord } from '../../../../src/shared/jobs/job-record.ts';
import { parseCacheHint } from '../../../../src/shared/lifecycle/cache-hints.ts';
import { answersFrom } from '../../../../src/shared/lifecycle/result-cache.ts';

describe('parseCacheHint', () => {
  it('reads the job and its run, the job alone from hints written before, nothing else', () => {
    expect(parseCacheHint('job_a run_1')).toEqual({ jobId: 'job_a', runId: 'run_1' });
    expect(parseCacheHint('job_a')).toEqual({ jobId: 'job_a', runId: null });
    expect(parseCacheHint(null)).toBeNull();
    expect(parseCacheHint('')).toBeNull();
  });
});

// The one check a pointer's and a hint's source both pass (cache-hints.ts, result-cache.ts).
describe('answersFrom', () => {
  const fingerprint = 'sha256:f';
  const source = {
    id: 'job_src',
    status: 'succeeded',
    fingerprint,
    run_id: 'run_1',
  } as JobRecord;
  const named = { jobId: 'job_src', runId: 'run_1' };
  const asking = { jobId: 'job_new' };

  it.each([
    ['the named run of another succeeded job', source, named, asking, true],
    ['no record', null, named, asking, false],
    ['another run than the one named', source, { ...named, runId: 'run_2' }, asking, false],
    ['a record of another job than named', source, { ...named, jobId: 'job_x' }, asking, false],
    ['the asking job itself', source, named, { jobId: 'job_src' }, false],
    ['a job not succeeded', { ...source, status: 'failed' }, named, asking, false],
    ['another fingerprint', { ...source, fingerprint: 'sha256:g' }, named, asking, false],
  ] as const)('%s: %s', (_what, record, name, target, answers) => {
    const found = answersFrom(record, fingerprint, name, target);
    expect(found).toBe(answers ? record : null);
  });
});
