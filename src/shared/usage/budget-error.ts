import { AppError } from '../errors.ts';

/** Which cap stopped a call: the batch's `max_characters`, or the tenant's monthly cap. */
export type BudgetScope = 'batch' | 'tenant';

/**
 * The next upstream call would pass a budget: it is not made. Not the job's fault and not a
 * failure: the job waits (parked, no attempt spent) until the budget is raised.
 */
export class BudgetExhaustedError extends AppError {
  constructor(
    readonly scope: BudgetScope,
    readonly used: number,
    readonly cap: number,
  ) {
    super(
      'budget_exhausted',
      scope === 'batch'
        ? `The batch has used ${used} of its ${cap} characters (max_characters): resume it with a higher max_characters.`
        : `The tenant has used ${used} of its ${cap} characters this month (MAX_CHARACTERS_PER_TENANT_PER_MONTH).`,
      409,
      { retryable: false },
    );
  }
}
