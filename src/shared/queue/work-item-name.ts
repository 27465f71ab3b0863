import type { JobRecord } from '../jobs/job-record.ts';

/** What a work item's name is made of: the record's type, owner and batch. */
export type WorkItemSubject = Pick<JobRecord, 'type' | 'owner' | 'batch_id'>;

/**
 * The BullMQ name of a job's work item, as bull-board lists it: `music · alpha · bat_…`
 * (type · tenant · batch id, if any). Only for people reading the board: the processor reads
 * the job id from the payload, never the name, so items queued before this naming still run.
 * Kept short: it is stored in every BullMQ job hash, and six bytes more (`batch ` before the
 * id) took a queued item's hash past 256 B into the next allocation size (+64 B per job).
 */
export function workItemName(record: WorkItemSubject): string {
  const parts = [record.type, record.owner];
  if (record.batch_id !== null) parts.push(record.batch_id);
  return parts.join(' · ');
}
