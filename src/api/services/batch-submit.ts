import type { BatchView } from '../../shared/batches/batch-record.ts';
import { toBatchView } from '../../shared/batches/batch-view.ts';
import type { BatchQueryFields } from './batch-body.ts';
import type { BatchIntake } from './batch-intake.ts';
import type { BatchReads } from './batch-reads.ts';
import type { BatchDryRun, BatchSubmission } from './batch-schemas.ts';
import { requestDigest, type IdempotencyStore } from './idempotency.ts';

export interface BatchSubmitDeps {
  intake: BatchIntake;
  idempotency: IdempotencyStore;
  reads: BatchReads;
}

/** How a submission was sent, beside its content. */
export interface SubmitOptions {
  dryRun: boolean;
  /** The client's `Idempotency-Key`, if any. */
  key: string | undefined;
  /** sha256 of the raw body; with the query fields, what "the same request" means. */
  bodyDigest: string;
  query: BatchQueryFields;
}

export type SubmitOutcome =
  | { kind: 'validated'; result: BatchDryRun }
  | { kind: 'created'; batch: BatchView; replayed: boolean };

/**
 * `POST /v1/batches` with its optional `Idempotency-Key`: without one, a plain intake; with
 * one, the intake runs at most once per key and body and a repeat gets the original batch
 * back. Bodies are compared by the digest of their bytes, so a 50,000-item body is not
 * canonicalized again just to be compared. Dry runs create nothing and are never remembered.
 */
export class BatchSubmit {
  constructor(private readonly deps: BatchSubmitDeps) {}

  async submit(
    owner: string,
    submission: BatchSubmission,
    options: SubmitOptions,
  ): Promise<SubmitOutcome> {
    const create = async (): Promise<BatchView> => {
      const outcome = await this.deps.intake.create(owner, submission, false);
      if (outcome.kind !== 'created') throw new Error('intake validated instead of creating');
      return toBatchView(outcome.batch.record, outcome.batch.state);
    };
    if (options.dryRun) {
      const outcome = await this.deps.intake.create(owner, submission, true);
      if (outcome.kind !== 'validated') throw new Error('a dry run created a batch');
      return outcome;
    }
    if (options.key === undefined)
      return { kind: 'created', batch: await create(), replayed: false };
    const digest = requestDigest({ body: options.bodyDigest, query: options.query });
    const { resource, replayed } = await this.deps.idempotency.once(
      { owner, scope: 'batches', key: options.key, digest },
      create,
      (id) => this.deps.reads.get(owner, id),
    );
    return { kind: 'created', batch: resource, replayed };
  }
}
