import { BudgetExhaustedError } from '../shared/usage/budget-error.ts';
import type { CallOwner } from '../shared/usage/usage-ledger.ts';
import type { WorkerDeps } from './worker-deps.ts';

/**
 * The check before each of the job's upstream calls, made once its slot is held: a spent
 * budget (its batch's `max_characters`, its tenant's monthly cap) stops the call with a
 * BudgetExhaustedError. Usage counts a call as soon as its headers arrive, so what passes a
 * cap is at most the calls already in flight when it was reached: one per slot.
 */
export function budgetGate(
  deps: Pick<WorkerDeps, 'usage' | 'config'>,
  job: CallOwner,
): () => Promise<void> {
  const tenantCap = deps.config.MAX_CHARACTERS_PER_TENANT_PER_MONTH;
  return async () => {
    const spent = await deps.usage.exhaustedBudget(job, tenantCap, new Date());
    if (spent) throw new BudgetExhaustedError(spent.scope, spent.used, spent.cap);
  };
}
