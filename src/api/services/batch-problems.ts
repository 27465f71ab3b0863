import { ValidationError, type ErrorDetail } from '../../shared/errors.ts';

/** The most problems one 422 lists: a batch with a bad field in every item stays readable. */
export const MAX_LISTED_PROBLEMS = 1_000;

/**
 * Problems found across a whole batch: every item is checked before anything is written, and
 * the answer names each problem by item index (`items[12].params.seed`) and custom_id.
 */
export class BatchProblems {
  readonly #details: ErrorDetail[] = [];
  readonly #items = new Set<number>();
  #total = 0;

  /** A problem of item `index` (null: of the batch itself). */
  add(index: number | null, detail: ErrorDetail): void {
    this.#total++;
    if (index !== null) this.#items.add(index);
    if (this.#details.length < MAX_LISTED_PROBLEMS) this.#details.push(detail);
  }

  get empty(): boolean {
    return this.#total === 0;
  }

  /** Throws the 422 listing them, when there are any. */
  throwIfAny(): void {
    if (this.empty) return;
    const listed =
      this.#total > this.#details.length ? `; the first ${this.#details.length} are listed` : '';
    const items = this.#items.size === 1 ? ' in 1 item' : ` in ${this.#items.size} items`;
    throw new ValidationError(
      `The batch is invalid: ${this.#total} problem(s)${this.#items.size ? items : ''}${listed}. Nothing was stored.`,
      this.#details,
    );
  }
}
